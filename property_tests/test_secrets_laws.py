"""The laws stated in ``core.secrets_rules``'s docstring."""

from __future__ import annotations

import posixpath

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core import secrets_rules as sr
from flyte_entrypoint.schemas.settings import SecretsConfig

part = st.one_of(st.none(), st.just(""), st.text("abcXY-_1", min_size=1, max_size=5))
prefix = st.sampled_from(["", "_FSEC_", "P_"])


@given(part, part, part, prefix, st.sampled_from(["", "pre-"]), st.booleans())
def test_lookup(group: str | None, key: str | None, version: str | None, env_prefix: str, fp: str, task: bool) -> None:
    cfg = SecretsConfig(env_prefix=env_prefix, default_dir="/etc/secrets", file_prefix=fp)
    parts = [p for p in (group, version, key) if p]
    result = sr.plan_secret_lookup(group, key, version, cfg, task_execution=task)
    if not parts:
        assert isinstance(result, Failure)
        return
    assert isinstance(result, Success)
    lookup = result.unwrap()
    prefixed = env_prefix + "_".join(p.upper() for p in parts)
    unprefixed = "_".join(p.upper() for p in parts)
    assert lookup.env_vars == ((prefixed,) if task or prefixed == unprefixed else (prefixed, unprefixed))
    lower = [p.lower() for p in parts]
    assert lookup.file_path == posixpath.join("/etc/secrets", *lower[:-1], fp + lower[-1])
