"""Hypothesis strategies for the settings records (shared by the laws and the differential test).

Load it by path (``importlib.util.spec_from_file_location``) from the test modules: pytest runs with
``--import-mode=importlib``, so sibling modules are not importable by name.
"""

from __future__ import annotations

from hypothesis import strategies as st

from flyte_entrypoint.schemas.settings import (
    FastSerializationSettings,
    Image,
    ImageConfig,
    Resources,
    ResourceSpec,
    SerializationSettings,
)

# Env values can hold any Unicode except lone surrogates (not encodable, and never in a real environment).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
NAME = st.text("abcdefxyz_-0123456789", min_size=1, max_size=8)
opt_text = st.none() | TEXT

fqns = st.builds(
    lambda reg, port, parts: reg + (f":{port}" if port else "") + "/" + "/".join(parts),
    st.sampled_from(["ghcr.io", "docker.io", "localhost", "r.example.com", "10.0.0.1"]),
    st.none() | st.integers(1, 65535),
    st.lists(NAME, min_size=1, max_size=3),
)
tags = st.text("abcdefv0123456789._-", min_size=1, max_size=10)
digests = st.text("0123456789abcdef", min_size=8, max_size=64).map(lambda h: f"sha256:{h}")

images = st.one_of(
    st.builds(Image, name=NAME, fqn=fqns, tag=tags, digest=st.none()),
    st.builds(Image, name=NAME, fqn=fqns, tag=st.none(), digest=digests),
    st.builds(Image, name=NAME, fqn=fqns, tag=st.none(), digest=st.none()),
)
image_refs = st.one_of(
    st.builds(lambda f, t: f"{f}:{t}", fqns, tags),
    st.builds(lambda f, d: f"{f}@{d}", fqns, digests),
    fqns,
)

image_configs = st.builds(
    ImageConfig,
    default_image=st.none() | images,
    images=st.none() | st.lists(images, max_size=3),
)

resource_scalars = st.one_of(
    st.text("0123456789.mGiKM", min_size=1, max_size=6),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
)
resource_values = st.none() | resource_scalars | st.tuples(resource_scalars, resource_scalars)
resources = st.builds(Resources, cpu=resource_values, mem=resource_values, gpu=resource_values)
resource_specs = st.builds(ResourceSpec, requests=resources, limits=resources)

fast_settings = st.builds(
    FastSerializationSettings, enabled=st.booleans(), destination_dir=opt_text, distribution_location=opt_text
)
interpreters = st.sampled_from(["/opt/venv/bin/python3", "/usr/bin/python", "python", "/a/b/c/d/py", "/"])


@st.composite
def serialization_settings(draw: st.DrawFn, env_keys: st.SearchStrategy[str] = TEXT) -> SerializationSettings:
    return SerializationSettings(
        image_config=draw(image_configs),
        project=draw(opt_text),
        domain=draw(opt_text),
        version=draw(opt_text),
        env=draw(st.none() | st.dictionaries(env_keys, TEXT, max_size=3)),
        default_resources=draw(st.none() | resource_specs),
        git_repo=draw(opt_text),
        python_interpreter=draw(interpreters),
        flytekit_virtualenv_root=draw(opt_text),
        fast_serialization_settings=draw(st.none() | fast_settings),
        source_root=draw(opt_text),
    )


def flytekit_compatible_settings() -> st.SearchStrategy[SerializationSettings]:
    """Settings flytekit can also hold: no ``_F_SS_C`` in env, and resource fields of flytekit's types.

    flytekit validates Resources: ``mem``/``gpu``/``ephemeral_storage`` take str or int only; floats go
    in ``cpu``.
    """
    int_or_str = st.one_of(st.text("0123456789mGiKM", min_size=1, max_size=6), st.integers(0, 2**40))
    value = st.none() | int_or_str | st.tuples(int_or_str, int_or_str)
    cpu = value | st.floats(0, 64, allow_nan=False) | st.tuples(st.floats(0, 64), st.floats(0, 64))
    res = st.builds(Resources, cpu=cpu, mem=value, gpu=value, ephemeral_storage=st.none() | int_or_str)
    spec = st.builds(ResourceSpec, requests=res, limits=res)

    @st.composite
    def build(draw: st.DrawFn) -> SerializationSettings:
        import attrs

        ss = draw(serialization_settings(env_keys=TEXT.filter(lambda k: k != "_F_SS_C")))
        return attrs.evolve(ss, default_resources=draw(st.none() | spec))

    return build()


def env_mappings() -> st.SearchStrategy[dict[str, str]]:
    """Arbitrary environments, biased towards the names the settings rules read."""
    names = st.sampled_from(
        [
            "FLYTE_SECRETS_HOST",
            "FLYTE_SECRETS_PORT",
            "FLYTE_SECRETS_DISABLED",
            "FLYTE_SECRETS_DISABLE_TAGS",
            "FLYTE_STATSD_HOST",
            "FLYTE_STATSD_PORT",
            "FLYTE_STATSD_DISABLED",
            "FLYTE_STATSD_DISABLE_TAGS",
            "FLYTE_SECRETS_ENV_PREFIX",
            "FLYTE_SECRETS_DEFAULT_DIR",
            "FLYTE_SECRETS_FILE_PREFIX",
            "FLYTE_INTERNAL_EXECUTION_PROJECT",
            "_F_PRJ",
            "FLYTE_INTERNAL_EXECUTION_DOMAIN",
            "_F_DM",
            "FLYTE_INTERNAL_TASK_VERSION",
            "_F_TK_V",
            "FLYTE_INTERNAL_IMAGE",
            "_F_SS_C",
        ]
    )
    values = st.one_of(
        TEXT,
        st.sampled_from(
            ["", "0", "1", "true", "False", "off", "no", "8125", "-1", "65536", " 99 ", "ghcr.io/a:b"]
        ),
        image_refs,
    )
    return st.dictionaries(names | TEXT, values, max_size=8)
