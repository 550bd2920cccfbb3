"""Laws of the settings records, the ``_F_SS_C`` transport and the env readers."""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core.secrets_rules import secrets_config_from_env
from flyte_entrypoint.core.serialized_context import (
    SerializedContextError,
    decode_serialized_context,
    encode_serialized_context,
)
from flyte_entrypoint.core.settings_rules import (
    parse_config_bool,
    serialization_settings_from_env,
    stats_config_from_env,
)
from flyte_entrypoint.schemas.settings import (
    Image,
    ImageConfig,
    SerializationSettings,
    from_dict,
    from_json,
    parse_image_identifier,
    to_dict,
    to_json,
)


def _load_strategies() -> ModuleType:
    path = Path(__file__).with_name("settings_strategies.py")
    spec = importlib.util.spec_from_file_location("flyte_settings_strategies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _load_strategies()


@given(S.serialization_settings())
def test_dict_round_trip(ss: SerializationSettings) -> None:
    d = to_dict(ss)
    assert from_dict(SerializationSettings, d) == ss
    assert to_dict(from_dict(SerializationSettings, d)) == d


@given(S.serialization_settings())
def test_json_round_trip_is_byte_stable(ss: SerializationSettings) -> None:
    text = to_json(ss)
    back = from_json(SerializationSettings, text)
    assert back == ss
    assert to_json(back) == text
    assert text.isascii()  # ensure_ascii, as dataclasses-json


@given(S.serialization_settings())
def test_json_is_the_plain_dict_dumped_with_default_separators(ss: SerializationSettings) -> None:
    text = to_json(ss)
    assert json.loads(text) == to_dict(ss)
    assert list(json.loads(text)) == [
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
    assert text == json.dumps(json.loads(text))


@given(S.serialization_settings())
def test_transport_round_trip(ss: SerializationSettings) -> None:
    encoded = encode_serialized_context(ss)
    assert decode_serialized_context(encoded).unwrap() == ss
    assert encode_serialized_context(decode_serialized_context(encoded).unwrap()) == encoded
    assert gzip.decompress(base64.b64decode(encoded)).decode("utf-8") == to_json(ss)


@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()))
def test_decoding_is_total(text: str) -> None:
    result = decode_serialized_context(text)
    if result.value_or(None) is None:
        assert isinstance(result.failure(), SerializedContextError)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: (
            st.lists(c, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["image_config", "images", "default_image", "name", "fqn", "tag", "env", "project"]
                ),
                c,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_decoding_arbitrary_json_is_total(doc: Any) -> None:
    encoded = base64.b64encode(gzip.compress(json.dumps(doc).encode())).decode()
    result = decode_serialized_context(encoded)
    value = result.value_or(None)
    if value is None:
        assert isinstance(result.failure(), SerializedContextError)
    else:
        assert isinstance(value, SerializationSettings)


@given(S.env_mappings())
def test_env_readers_are_total(env: dict[str, str]) -> None:
    cfg = stats_config_from_env(env)
    assert cfg.host
    assert 0 < cfg.port < 65536
    secrets = secrets_config_from_env(env)
    assert secrets.env_prefix == secrets.env_prefix.strip()
    result = serialization_settings_from_env(
        env, dynamic_addl_distro=env.get("x"), dynamic_dest_dir=env.get("y")
    )
    value = result.value_or(None)
    if value is None:
        assert isinstance(result.failure(), SerializedContextError)
    else:
        assert value.version == (env.get("FLYTE_INTERNAL_TASK_VERSION") or env.get("_F_TK_V") or "")


@given(st.text(max_size=8))
def test_config_bool_is_false_exactly_for_empty_and_the_false_words(text: str) -> None:
    assert parse_config_bool(text) == (text != "" and text.strip().lower() not in {"false", "0", "off", "no"})


@given(S.image_refs)
def test_image_reference_round_trip(ref: str) -> None:
    fqn, tag, digest = parse_image_identifier(ref)
    image = Image.look_up_image_info("n", ref, allow_no_tag_or_digest=True)
    assert (image.fqn, image.tag, image.digest) == (fqn, tag, digest)
    if tag is not None or digest is not None:
        assert image.full == ref


@given(st.dictionaries(S.NAME, S.image_refs, max_size=4), S.image_refs)
def test_from_images_keeps_order_and_puts_the_default_first(m: dict[str, str], default_ref: str) -> None:
    _fqn, tag, digest = parse_image_identifier(default_ref)
    if tag is None and digest is None:
        return
    cfg = ImageConfig.from_images(default_ref, m)
    assert cfg.images is not None
    assert [i.name for i in cfg.images] == ["default", *m]
    assert cfg.find_image("default") == cfg.default_image
