"""Settings records, the ``_F_SS_C`` transport (PROTOCOL §4.1) and the run-time rules (§4.2, Q9)."""

from __future__ import annotations

import base64
import gzip
import json

import attrs
import pytest

from flyte_entrypoint.core.serialized_context import (
    SerializedContextError,
    decode_serialized_context,
    encode_serialized_context,
    gzip_deterministic,
    serialized_context,
    with_serialized_context,
)
from flyte_entrypoint.core.settings_rules import (
    fallback_image_config,
    parse_config_bool,
    parse_port,
    runtime_serialization_settings,
    serialization_settings_from_env,
    stats_config_from_env,
)
from flyte_entrypoint.schemas.settings import (
    EntrypointSettings,
    FastSerializationSettings,
    FrozenDict,
    Image,
    ImageConfig,
    InvalidImageError,
    Resources,
    ResourceSpec,
    SerializationSettings,
    StatsConfig,
    from_dict,
    from_json,
    parse_image_identifier,
    to_dict,
    to_json,
)

EXAMPLE = (
    "H4sIAAAAAAAC/1WQwU4DMQxEf6XKuSJC3PgVhKKw600NWTs43qil4t+J05bCJcqMJ0/jnB2uMUGYmBZM7nl3djMsccsaxmA4FFe73CZuv3PL"
    "J5mTDpM8IPujxzWZr9Egrj2amDFB1a5py/m7GwNZu/HyarIIv8NkAVdGnteIgzubbCAVme48oHaF7X/LBIHKm0wDex0lNLvw3SknPTAFJAUp"
    "Av00queivnWqf0Pyl8zT2C6fFD46paHoFnOPBGHWf49GMFYNFQRjxq+ovW1XqkjpT51Lvxtg/MUP5z9VlHcBAAA="
)
EXAMPLE_JSON = (
    '{"image_config": {"default_image": {"name": "default", "fqn": "ghcr.io/x/img", "tag": "v1", "digest": null}, '
    '"images": []}, "project": "p", "domain": "d", "version": "v1", "env": null, "default_resources": null, '
    '"git_repo": null, "python_interpreter": "/opt/venv/bin/python3", "flytekit_virtualenv_root": "/opt/venv", '
    '"fast_serialization_settings": null, "source_root": null}'
)


def example_settings() -> SerializationSettings:
    return SerializationSettings(
        image_config=ImageConfig(default_image=Image("default", "ghcr.io/x/img", "v1"), images=[]),
        project="p",
        domain="d",
        version="v1",
    )


# ------------------------------------------------------------------------------------------- transport


def test_protocol_example_encodes_byte_exactly() -> None:
    assert to_json(example_settings()) == EXAMPLE_JSON
    assert encode_serialized_context(example_settings()) == EXAMPLE


def test_protocol_example_decodes_and_round_trips() -> None:
    ss = decode_serialized_context(EXAMPLE).unwrap()
    assert ss == example_settings()
    assert encode_serialized_context(ss) == EXAMPLE
    assert gzip.decompress(base64.b64decode(EXAMPLE)).decode() == EXAMPLE_JSON


def test_gzip_header_is_pythons_gzipfile_header() -> None:
    # ID1 ID2 CM FLG | MTIME=0 (4 bytes) | XFL=2 OS=255. (PROTOCOL §4.1 prints one "00" too many.)
    blob = gzip_deterministic(b"hello")
    assert blob[:10].hex() == "1f8b08000000000002ff"
    assert gzip.decompress(blob) == b"hello"


@pytest.mark.parametrize(
    "bad",
    [
        "not base64!",
        "abc",
        base64.b64encode(b"plain").decode(),
        base64.b64encode(gzip.compress(b"not json")).decode(),
        base64.b64encode(gzip.compress(b"[1, 2]")).decode(),
        base64.b64encode(gzip.compress(b"{}")).decode(),  # image_config is required
        base64.b64encode(gzip.compress(b'{"image_config": null}')).decode(),
        base64.b64encode(gzip.compress(b'{"image_config": {}, "project": 5}')).decode(),
        base64.b64encode(gzip.compress(b'{"image_config": {}, "env": {"a": 1}}')).decode(),
        base64.b64encode(
            gzip.compress(
                b'{"image_config": {"default_image": {"name": "d", "fqn": "f", "tag": "t", "digest": "x"}}}'
            )
        ).decode(),
    ],
)
def test_bad_values_are_failures_not_crashes(bad: str) -> None:
    result = decode_serialized_context(bad)
    assert isinstance(result.failure(), SerializedContextError)


def test_decoding_ignores_unknown_keys_and_fills_defaults() -> None:
    text = json.dumps({"image_config": {}, "from_the_future": 1, "python_interpreter": "/v/bin/python"})
    ss = decode_serialized_context(base64.b64encode(gzip.compress(text.encode())).decode()).unwrap()
    assert ss.image_config == ImageConfig()
    assert ss.flytekit_virtualenv_root == "/v"
    assert ss.version is None


def test_serialized_context_reuses_an_existing_value() -> None:
    ss = with_serialized_context(example_settings())
    assert ss.env is not None and ss.env["_F_SS_C"] == EXAMPLE
    assert serialized_context(ss) == EXAMPLE
    assert with_serialized_context(ss) is ss


# -------------------------------------------------------------------------------------------- records


def test_json_shape_of_every_field() -> None:
    ss = SerializationSettings(
        image_config=ImageConfig.from_images("r.io:5000/a/b@sha256:abc", {"x": "foo", "y": "h:1/z:t"}),
        project="p",
        env={"B": "é", "A": "1"},
        default_resources=ResourceSpec(
            requests=Resources(cpu=1, mem="2Gi"), limits=Resources(cpu=1.5, gpu=("1", "2"))
        ),
        fast_serialization_settings=FastSerializationSettings(enabled=True, destination_dir="/root"),
    )
    # produced by flytekit 1.16.31's to_json() for the same settings
    expected = (
        '{"image_config": {"default_image": {"name": "default", "fqn": "r.io:5000/a/b", "tag": null, "digest": '
        '"sha256:abc"}, "images": [{"name": "default", "fqn": "r.io:5000/a/b", "tag": null, "digest": "sha256:abc"}, '
        '{"name": "x", "fqn": "foo", "tag": null, "digest": null}, {"name": "y", "fqn": "h:1/z", "tag": "t", '
        '"digest": null}]}, "project": "p", "domain": null, "version": null, "env": {"B": "\\u00e9", "A": "1"}, '
        '"default_resources": {"requests": {"cpu": 1, "mem": "2Gi", "gpu": null, "ephemeral_storage": null}, '
        '"limits": {"cpu": 1.5, "mem": null, "gpu": ["1", "2"], "ephemeral_storage": null}}, "git_repo": null, '
        '"python_interpreter": "/opt/venv/bin/python3", "flytekit_virtualenv_root": "/opt/venv", '
        '"fast_serialization_settings": {"enabled": true, "destination_dir": "/root", "distribution_location": null}, '
        '"source_root": null}'
    )
    assert ss.to_json() == to_json(ss) == expected
    assert from_json(SerializationSettings, expected) == ss
    assert SerializationSettings.from_dict(to_dict(ss)) == ss
    assert isinstance(to_dict(ss)["image_config"]["images"], list)
    assert to_dict(ss)["env"] == {"B": "é", "A": "1"}


def test_field_order_and_defaults_match_flytekit() -> None:
    names = [f.name for f in attrs.fields(SerializationSettings)]
    assert names == [
        "image_config",
        "project",
        "domain",
        "version",
        "env",
        "default_resources",
        "git_repo",
        "python_interpreter",
        "flytekit_virtualenv_root",
        "fast_serialization_settings",
        "source_root",
    ]
    ss = SerializationSettings(image_config=ImageConfig())
    assert ss.python_interpreter == "/opt/venv/bin/python3"
    assert ss.flytekit_virtualenv_root == "/opt/venv"
    assert ss.entrypoint_settings == EntrypointSettings(path="/opt/venv/bin/entrypoint.py")
    assert not ss.should_fast_serialize()
    assert [f.name for f in attrs.fields(FastSerializationSettings)] == [
        "enabled",
        "destination_dir",
        "distribution_location",
    ]
    assert FastSerializationSettings() == FastSerializationSettings(False, None, None)


def test_records_are_frozen_and_hashable() -> None:
    ss = SerializationSettings(image_config=ImageConfig(images=[Image("a", "b", "c")]), env={"k": "v"})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ss.project = "x"  # type: ignore[misc]
    assert isinstance(ss.env, FrozenDict)
    assert hash(ss) == hash(attrs.evolve(ss))
    assert ss.image_config.images == (Image("a", "b", "c"),)


def test_for_image_and_entrypoint_settings() -> None:
    ss = SerializationSettings.for_image("ghcr.io/x/img:v1", "v1", "p", "d", "/usr/local/bin/python3")
    assert ss.image_config == ImageConfig(default_image=Image("default", "ghcr.io/x/img", "v1"), images=None)
    assert ss.flytekit_virtualenv_root == "/usr/local"
    assert ss.entrypoint_settings.path == "/usr/local/bin/entrypoint.py"
    with pytest.raises(InvalidImageError):
        SerializationSettings.for_image("ghcr.io/x/img", "v1")


# ---------------------------------------------------------------------------------------------- images


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("ghcr.io/x/img:v1", ("ghcr.io/x/img", "v1", None)),
        ("ghcr.io/x/img", ("ghcr.io/x/img", None, None)),
        ("localhost:5000/img", ("localhost:5000/img", None, None)),
        ("localhost:5000/img:tag", ("localhost:5000/img", "tag", None)),
        ("r.io:5000/a/b@sha256:abcd", ("r.io:5000/a/b", None, "sha256:abcd")),
        ("img@sha256:ab:cd", ("img", None, "sha256:ab:cd")),
        ("a:b:c", ("a:b", "c", None)),
    ],
)
def test_parse_image_identifier(identifier: str, expected: tuple[str, str | None, str | None]) -> None:
    assert parse_image_identifier(identifier) == expected


def test_image_properties_and_validation() -> None:
    tagged = Image.look_up_image_info("x", "r.io:5000/a:v2")
    assert (tagged.full, tagged.version) == ("r.io:5000/a:v2", "v2")
    digested = Image.look_up_image_info("x", "r.io/a@sha256:00")
    assert (digested.full, digested.version) == ("r.io/a@sha256:00", "sha256:00")
    with pytest.raises(InvalidImageError, match="missing tag or digest"):
        Image.look_up_image_info("x", "r.io:5000/a")
    assert (
        Image.look_up_image_info("x", "r.io:5000/a", allow_no_tag_or_digest=True).full == "r.io:5000/a:None"
    )
    with pytest.raises(ValueError, match="Cannot specify both tag and digest"):
        Image("x", "f", tag="t", digest="sha256:00")


def test_image_config_constructors() -> None:
    cfg = ImageConfig.from_images("ghcr.io/x/img:v1", {"spark": "ghcr.io/x/spark", "gpu": "nv/cuda:12"})
    assert cfg.default_image == Image("default", "ghcr.io/x/img", "v1")
    assert [i.name for i in cfg.images or ()] == ["default", "spark", "gpu"]
    assert cfg.find_image("spark") == Image("spark", "ghcr.io/x/spark")
    assert cfg.find_image("nope") is None
    assert ImageConfig.from_images("", {}) == ImageConfig(default_image=None, images=[])
    assert ImageConfig.from_config({"a": "b:1"}) == ImageConfig(None, [Image("a", "b", "1")])

    validated = ImageConfig.validate_image(
        ["ghcr.io/x/img:v1", "spark=ghcr.io/x/spark:v2"], "fallback/img:v0"
    )
    assert validated.default_image == Image("default", "ghcr.io/x/img", "v1")
    assert validated.find_image("spark") == Image("spark", "ghcr.io/x/spark", "v2")
    assert ImageConfig.validate_image([], "fallback/img:v0").default_image == Image(
        "default", "fallback/img", "v0"
    )
    with pytest.raises(InvalidImageError, match="Only one default image"):
        ImageConfig.validate_image(["a:1", "default=b:2"], "fallback/img:v0")
    with pytest.raises(InvalidImageError):
        ImageConfig.validate_image(["spark=ghcr.io/x/spark"], "fallback/img:v0")


# ----------------------------------------------------------------------------------- run-time settings


def test_runtime_settings_from_serialized_context() -> None:
    env = {
        "_F_SS_C": EXAMPLE,
        "FLYTE_INTERNAL_EXECUTION_PROJECT": "exe-p",
        "FLYTE_INTERNAL_EXECUTION_DOMAIN": "exe-d",
        "FLYTE_INTERNAL_TASK_VERSION": "task-v",
    }
    ss = serialization_settings_from_env(env).unwrap()
    assert (ss.project, ss.domain, ss.version) == ("p", "d", "task-v")
    assert ss.image_config == example_settings().image_config
    assert ss.fast_serialization_settings is None


def test_runtime_settings_fill_project_domain_and_fast_settings() -> None:
    base = attrs.evolve(example_settings(), project="", domain=None)
    env = {"_F_PRJ": "exe-p", "_F_DM": "exe-d"}
    ss = runtime_serialization_settings(base, env, "s3://b/fast.tar.gz", "/root")
    assert (ss.project, ss.domain, ss.version) == ("exe-p", "exe-d", "")
    assert ss.fast_serialization_settings == FastSerializationSettings(True, "/root", "s3://b/fast.tar.gz")
    assert ss.should_fast_serialize()
    unchanged = runtime_serialization_settings(base, env, "", "/root")
    assert unchanged.fast_serialization_settings is None


def test_runtime_settings_without_serialized_context() -> None:
    ss = serialization_settings_from_env({"_F_SS_C": "", "_F_TK_V": "v9"}).unwrap()
    assert ss.image_config == ImageConfig(default_image=None, images=[])
    assert ss.version == "v9"
    with_image = serialization_settings_from_env(
        {"FLYTE_INTERNAL_IMAGE": "ghcr.io/x/y:v9"}, config_images={"spark": "ghcr.io/x/spark"}
    ).unwrap()
    assert with_image.image_config.default_image == Image("default", "ghcr.io/x/y", "v9")
    assert with_image.image_config.find_image("spark") == Image("spark", "ghcr.io/x/spark")
    assert fallback_image_config({"FLYTE_INTERNAL_IMAGE": "no-tag"}).default_image is None


def test_runtime_settings_report_a_broken_serialized_context() -> None:
    result = serialization_settings_from_env({"_F_SS_C": "garbage"})
    assert isinstance(result.failure(), SerializedContextError)


# ------------------------------------------------------------------------------------------ statsd env


def test_stats_config_defaults() -> None:
    assert stats_config_from_env({}) == StatsConfig("localhost", 8125, False, False)


def test_stats_config_reads_flytekits_misnamed_secrets_section() -> None:
    env = {
        "FLYTE_SECRETS_HOST": "statsd.local",
        "FLYTE_SECRETS_PORT": "9125",
        "FLYTE_SECRETS_DISABLED": "TRUE",
        "FLYTE_SECRETS_DISABLE_TAGS": "yes",
    }
    cfg = stats_config_from_env(env)
    assert cfg == StatsConfig("statsd.local", 9125, True, True)
    assert cfg.disabled_tags is True


def test_statsd_aliases_win_and_empty_means_unset() -> None:
    env = {
        "FLYTE_SECRETS_HOST": "old",
        "FLYTE_STATSD_HOST": "new",
        "FLYTE_SECRETS_PORT": "1000",
        "FLYTE_STATSD_PORT": "",
        "FLYTE_SECRETS_DISABLED": "1",
        "FLYTE_STATSD_DISABLED": "off",
    }
    assert stats_config_from_env(env) == StatsConfig("new", 1000, False, False)


@pytest.mark.parametrize(
    ("text", "port"),
    [("9125", 9125), (" 9125 ", 9125), ("0", 8125), ("-1", 8125), ("65536", 8125), ("abc", 8125), ("", 8125)],
)
def test_parse_port(text: str, port: int) -> None:
    assert parse_port(text) == port


@pytest.mark.parametrize(
    ("text", "value"),
    [("", False), ("true", True), ("x", True), ("1", True), ("FALSE", False), ("0", False), ("Off", False)],
)
def test_config_bool(text: str, value: bool) -> None:
    assert parse_config_bool(text) is value


def test_from_dict_rejects_wrong_types() -> None:
    with pytest.raises(Exception):  # noqa: B017 - cattrs' ClassValidationError
        from_dict(StatsConfig, {"port": "8125"})
    assert from_dict(StatsConfig, {"port": 1}) == StatsConfig(port=1)
