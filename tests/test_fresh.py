"""``shell/fresh.py``: uuid4-shaped ids and private scratch directories without ``uuid``/``tempfile``."""

from __future__ import annotations

import os
import re
import stat
import uuid
from pathlib import Path

import pytest

from flyte_entrypoint.core.errors import error_file_name
from flyte_entrypoint.shell.fresh import make_temp_dir, uuid4_hex


def test_uuid4_hex_is_a_version_4_rfc4122_uuid() -> None:
    for _ in range(200):
        value = uuid4_hex()
        assert re.fullmatch(r"[0-9a-f]{32}", value)
        parsed = uuid.UUID(hex=value)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert parsed.hex == value


def test_uuid4_hex_values_differ() -> None:
    assert len({uuid4_hex() for _ in range(1000)}) == 1000


def test_error_file_name_has_flytekits_shape() -> None:
    # flytekit names a distributed task's error document error-<uuid4().hex>.pb
    name = error_file_name({"FLYTE_INTERNAL_DIST_ERROR_STRATEGY": "Earliest"}, uuid4_hex())
    assert re.fullmatch(r"error-[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}\.pb", name)


def test_make_temp_dir_is_new_private_and_under_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    first, second = make_temp_dir("flyte-x-"), make_temp_dir("flyte-x-")
    assert first != second
    for path in (first, second):
        assert os.path.isabs(path)
        assert Path(path).parent == tmp_path
        assert Path(path).name.startswith("flyte-x-")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
        assert os.listdir(path) == []


def test_make_temp_dir_skips_an_unusable_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    monkeypatch.setenv("TMPDIR", str(not_a_dir))
    monkeypatch.setenv("TEMP", str(tmp_path / "missing"))
    monkeypatch.setenv("TMP", str(tmp_path))
    path = make_temp_dir("flyte-y-")
    assert Path(path).parent == tmp_path
