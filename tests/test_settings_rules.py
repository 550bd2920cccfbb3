"""``core.settings_rules`` and ``core.serialized_context`` boundaries (PROTOCOL §4, Q9): ports at the
ends of 1..65535, each StatsD field read on its own, project/domain fallback field by field."""

from __future__ import annotations

import attrs
import pytest

from flyte_entrypoint.core import serialized_context as sc
from flyte_entrypoint.core import settings_rules as sr
from flyte_entrypoint.schemas.settings import Image, ImageConfig, SerializationSettings, StatsConfig

NO_IMAGES = ImageConfig(default_image=None, images=[])


@pytest.mark.parametrize(("text", "port"), [("1", 1), ("65535", 65535), ("0", 8125), ("65536", 8125), ("1.0", 8125)])
def test_port_range_is_inclusive(text: str, port: int) -> None:
    assert sr.parse_port(text) == port
    assert sr.parse_port(text, default=7) == (port if port != 8125 else 7)


def test_each_statsd_field_alone() -> None:
    assert sr.stats_config_from_env({"FLYTE_STATSD_HOST": "h"}) == StatsConfig("h", 8125, False, False)
    assert sr.stats_config_from_env({"FLYTE_SECRETS_PORT": "1"}) == StatsConfig("localhost", 1, False, False)
    assert sr.stats_config_from_env({"FLYTE_STATSD_PORT": "bad"}) == StatsConfig("localhost", 8125, False, False)
    assert sr.stats_config_from_env({"FLYTE_STATSD_DISABLED": "1"}) == StatsConfig("localhost", 8125, True, False)
    assert sr.stats_config_from_env({"FLYTE_STATSD_DISABLE_TAGS": "1"}) == StatsConfig("localhost", 8125, False, True)
    assert sr.STATSD_ENV_VARS == {
        "host": ("FLYTE_STATSD_HOST", "FLYTE_SECRETS_HOST"),
        "port": ("FLYTE_STATSD_PORT", "FLYTE_SECRETS_PORT"),
        "disabled": ("FLYTE_STATSD_DISABLED", "FLYTE_SECRETS_DISABLED"),
        "disable_tags": ("FLYTE_STATSD_DISABLE_TAGS", "FLYTE_SECRETS_DISABLE_TAGS"),
    }


def test_project_and_domain_fall_back_field_by_field() -> None:
    base = SerializationSettings(image_config=NO_IMAGES, project="bp", domain="")
    env = {"FLYTE_INTERNAL_EXECUTION_PROJECT": "ep", "FLYTE_INTERNAL_EXECUTION_DOMAIN": "ed", "_F_TK_V": "v"}
    ss = sr.runtime_serialization_settings(base, env)
    assert (ss.project, ss.domain, ss.version) == ("bp", "ed", "v")
    ss = sr.runtime_serialization_settings(attrs.evolve(base, project="", domain="bd"), env)
    assert (ss.project, ss.domain) == ("ep", "bd")


def test_fallback_image() -> None:
    assert sr.FLYTE_INTERNAL_IMAGE_ENV_VAR == "FLYTE_INTERNAL_IMAGE"
    cfg = sr.fallback_image_config({"FLYTE_INTERNAL_IMAGE": "r/x:1"})
    assert cfg.default_image == Image("default", "r/x", "1")
    assert sr.fallback_image_config({}).default_image is None
    assert sr.fallback_image_config({"FLYTE_INTERNAL_IMAGE": "r/x"}).default_image is None  # no tag: invalid


def test_serialized_context_is_kept_or_added() -> None:
    ss = SerializationSettings(image_config=NO_IMAGES, project="p")
    encoded = sc.encode_serialized_context(ss)
    assert sc.decode_serialized_context(encoded).unwrap() == ss
    with_it = sc.with_serialized_context(ss)
    assert dict(with_it.env or {}) == {"_F_SS_C": encoded}
    assert sc.with_serialized_context(with_it) is with_it
    assert sc.serialized_context(with_it) == encoded
    assert sc.serialized_context(ss) == encoded
    kept = attrs.evolve(ss, env={"_F_SS_C": "mine", "A": "b"})
    assert sc.serialized_context(kept) == "mine"
    other_env = attrs.evolve(ss, env={"A": "b"})
    assert dict(sc.with_serialized_context(other_env).env or {}) == {
        "A": "b",
        "_F_SS_C": sc.encode_serialized_context(other_env),
    }


def test_gzip_member_layout() -> None:
    member = sc.gzip_deterministic(b"hello")
    assert member[:10] == bytes.fromhex("1f8b08000000000002ff")
    assert member[-8:-4] == (0x3610A686).to_bytes(4, "little")  # CRC-32 of b"hello"
    assert member[-4:] == (5).to_bytes(4, "little")
    import gzip

    assert gzip.decompress(member) == b"hello"


@pytest.mark.parametrize(
    ("value", "start"),
    [
        ("!!!", "_F_SS_C does not hold JSON: "),  # non-alphabet characters are skipped: b"" is empty gzip
        ("YWJj", "_F_SS_C is not gzip-compressed UTF-8 JSON: "),
        ("\ud800", "_F_SS_C is not valid base64: "),
        ("YQ", "_F_SS_C is not valid base64: "),
    ],
)
def test_decode_failures_say_which_layer(value: str, start: str) -> None:
    assert str(sc.decode_serialized_context(value).failure()).startswith(start)


def test_decode_failures_after_gzip() -> None:
    import base64

    def enc(text: bytes) -> str:
        return base64.b64encode(sc.gzip_deterministic(text)).decode()

    assert str(sc.decode_serialized_context(enc(b"{")).failure()).startswith("_F_SS_C does not hold JSON: ")
    assert str(sc.decode_serialized_context(enc(b"[1]")).failure()) == "_F_SS_C holds a JSON list, not an object"
    assert str(sc.decode_serialized_context(enc(b'{"project": 5}')).failure()).startswith(
        "_F_SS_C does not hold SerializationSettings: "
    )
    assert str(sc.decode_serialized_context(enc(b"\xff")).failure()).startswith(
        "_F_SS_C is not gzip-compressed UTF-8 JSON: "
    )


def test_a_corrupt_deflate_stream_is_a_gzip_failure() -> None:
    import base64

    corrupt = bytes.fromhex("1f8b08000000000002ff") + b"\xff\xff\xff\xff" + bytes(8)
    failure = sc.decode_serialized_context(base64.b64encode(corrupt).decode()).failure()
    assert str(failure).startswith("_F_SS_C is not gzip-compressed UTF-8 JSON: ")


def test_structuring_failures_name_every_bad_field() -> None:
    import base64
    import json

    encoded = base64.b64encode(sc.gzip_deterministic(json.dumps({"project": 5, "domain": 6}).encode())).decode()
    message = str(sc.decode_serialized_context(encoded).failure())
    assert message.startswith("_F_SS_C does not hold SerializationSettings: ")
    details = message.removeprefix("_F_SS_C does not hold SerializationSettings: ").split("; ")
    # cattrs' transform_error: one "<problem> @ <path>" per field
    assert [d.rsplit(" @ ", 1)[1] for d in details] == ["$.image_config", "$.project", "$.domain"]
