"""Our ``_F_SS_C`` encoding against flytekit 1.16.31's ``SerializationSettings`` (the oracle venv).

* settings we encode are decoded by flytekit's ``from_transport`` and re-encoded by its
  ``serialized_context``: the JSON and the transport string must come back byte-identical, and our
  decoder must give back the settings we started from;
* settings flytekit builds (``for_image``, ``ImageConfig.from_images``, fast settings) decode with ours
  and re-encode byte-identically;
* ``parse_image_identifier`` agrees with flytekit's ``_parse_image_identifier``.

All oracle work for a test goes through ONE subprocess running ``oracle_settings.py``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.serialized_context import decode_serialized_context, encode_serialized_context
from flyte_entrypoint.schemas.settings import SerializationSettings, parse_image_identifier, to_json

ROOT = Path(__file__).resolve().parents[2]
ORACLE_PYTHON = ROOT / ".oracle-venv" / "bin" / "python"
ORACLE_SETTINGS = Path(__file__).with_name("oracle_settings.py")


def _load_strategies() -> ModuleType:
    path = ROOT / "property_tests" / "settings_strategies.py"
    spec = importlib.util.spec_from_file_location("flyte_settings_strategies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


strategies = _load_strategies()


def _oracle(request: dict[str, Any]) -> dict[str, Any]:
    if not ORACLE_PYTHON.exists():
        pytest.fail(f"oracle venv missing: {ORACLE_PYTHON} (run scripts/setup-oracle.sh)")
    proc = subprocess.run(
        [str(ORACLE_PYTHON), str(ORACLE_SETTINGS)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _collect(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    found: list[Any] = []

    @settings(max_examples=n, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def draw(x: Any) -> None:
        found.append(x)

    draw()
    return found


PROTOCOL_EXAMPLE = (
    "H4sIAAAAAAAC/1WQwU4DMQxEf6XKuSJC3PgVhKKw600NWTs43qil4t+J05bCJcqMJ0/jnB2uMUGYmBZM7nl3djMsccsaxmA4FFe73CZuv3PL"
    "J5mTDpM8IPujxzWZr9Egrj2amDFB1a5py/m7GwNZu/HyarIIv8NkAVdGnteIgzubbCAVme48oHaF7X/LBIHKm0wDex0lNLvw3SknPTAFJAUp"
    "Av00queivnWqf0Pyl8zT2C6fFD46paHoFnOPBGHWf49GMFYNFQRjxq+ovW1XqkjpT51Lvxtg/MUP5z9VlHcBAAA="
)


def test_our_encoding_round_trips_through_flytekit() -> None:
    originals: list[SerializationSettings] = _collect(strategies.flytekit_compatible_settings(), 200)
    encoded = [encode_serialized_context(ss) for ss in originals]
    answer = _oracle({"decode": [PROTOCOL_EXAMPLE, *encoded]})["decode"]

    example = answer[0]
    assert example["transport"] == PROTOCOL_EXAMPLE

    problems: list[Any] = []
    for ss, ours, theirs in zip(originals, encoded, answer[1:], strict=True):
        if "error" in theirs:
            problems.append(("flytekit could not decode", ss, theirs))
            continue
        if theirs["json"] != to_json(ss):
            problems.append(("json differs", to_json(ss), theirs["json"]))
        if theirs["transport"] != ours:
            problems.append(("transport differs", ss))
        back = decode_serialized_context(theirs["transport"]).unwrap()
        if back != ss:
            problems.append(("decoded differently", ss, back))
    assert not problems, problems[:3]


MAKE_CASES: list[dict[str, Any]] = [
    {"image": "ghcr.io/x/img:v1", "version": "v1", "project": "p", "domain": "d"},
    {"image": "localhost:30000/flytekit:abc123", "version": "abc", "project": "", "domain": ""},
    {
        "image": "r.io:5000/a/b@sha256:" + "ab" * 32,
        "version": "v2",
        "python_interpreter": "/usr/local/bin/python3",
    },
    {"image": "img:latest", "version": "v", "fast": {"enabled": True, "destination_dir": "/root"}},
    {
        "image": "ghcr.io/x/img:v1",
        "version": "v1",
        "project": "p",
        "domain": "d",
        "images": {"spark": "ghcr.io/x/spark", "gpu": "nvcr.io/n/cuda:12.1", "d": "r.io:5000/z@sha256:00"},
        "env": {"A": "b", "UNI": "é✓"},
        "fast": {
            "enabled": True,
            "destination_dir": "/root",
            "distribution_location": "s3://b/fast/x.tar.gz",
        },
    },
    {"image": "ghcr.io/x/img", "version": "v1"},  # no tag: flytekit refuses, and so do we
]


def test_flytekit_built_settings_decode_and_reencode_identically() -> None:
    answer = _oracle({"make": MAKE_CASES})["make"]
    for case, theirs in zip(MAKE_CASES, answer, strict=True):
        if "error" in theirs:
            assert case["image"] == "ghcr.io/x/img", theirs
            with pytest.raises(ValueError):
                SerializationSettings.for_image(case["image"], case["version"])
            continue
        ss = decode_serialized_context(theirs["transport"]).unwrap()
        assert to_json(ss) == theirs["json"]
        assert encode_serialized_context(ss) == theirs["transport"]


def test_image_identifier_parsing_agrees() -> None:
    fixed = [
        "ghcr.io/x/img:v1",
        "ghcr.io/x/img",
        "localhost:5000/img",
        "localhost:5000/img:tag",
        "r.io:5000/a/b@sha256:abcd",
        "img@sha256:ab:cd",
        "a:b:c",
        "a:b/c",
        "",
        ":",
        "@",
        "x@",
        "a@b@c",
        "http://x/y:z",
    ]
    drawn: list[str] = _collect(st.one_of(strategies.image_refs, strategies.TEXT), 200)
    identifiers = fixed + drawn
    theirs = _oracle({"parse": identifiers})["parse"]
    for ident, expected in zip(identifiers, theirs, strict=True):
        assert list(parse_image_identifier(ident)) == expected, ident
