"""The fast argv path (``shell/flags.py``) gives the callbacks exactly what click gives them, or defers to click.

For hypothesis-generated command lines made of the real flag names, ``--``, values that look like flags and
arbitrary text: whenever ``flags.parse`` answers, click (run on the same argv, with a callback that records
its arguments) accepts the command line and passes the same keyword arguments.  And the command lines a
Flyte backend writes are always answered by the fast path (so start-up never imports click for them).
"""

from __future__ import annotations

from typing import Any

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.shell import commands, flags

COMMANDS = sorted(flags.SPECS)
_NAMES = sorted({f.name for spec in flags.SPECS.values() for f in spec.flags})
_TOKENS = st.one_of(
    st.sampled_from(
        [*_NAMES, "--", "--help", "-h", "--inputs=x", "--inp", "7", "-1", "", "task-module", "x y"]
    ),
    st.text(max_size=8),
)


def _click_kwargs(command: str, argv: list[str]) -> dict[str, Any] | None:
    seen: dict[str, Any] = {}

    def record(**kwargs: Any) -> None:
        seen.update(kwargs)

    cmd = commands._command(command, record)
    try:
        cmd.main(list(argv), prog_name=command, standalone_mode=False)
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        return None
    return seen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COMMANDS), st.lists(_TOKENS, max_size=14))
def test_fast_parse_agrees_with_click(command: str, argv: list[str]) -> None:
    fast = flags.parse(command, argv, {})
    if fast is not None:
        assert _click_kwargs(command, argv) == fast


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(COMMANDS),
    st.data(),
)
def test_well_formed_command_lines_take_the_fast_path(command: str, data: st.DataObject) -> None:
    spec = flags.SPECS[command]
    values = st.text(min_size=0, max_size=10).filter(lambda v: not v.startswith("-"))
    argv: list[str] = []
    for flag in data.draw(st.permutations(spec.flags)):
        if flag.is_flag:
            if data.draw(st.booleans()):
                argv.append(flag.name)
        elif flag.required or data.draw(st.booleans()):
            value = str(data.draw(st.integers(0, 10**6))) if flag.integer else data.draw(values)
            argv += [flag.name, value]
    argv += ["--", *data.draw(st.lists(st.text(max_size=6), max_size=6))]
    fast = flags.parse(command, argv, {})
    assert fast is not None
    assert _click_kwargs(command, argv) == fast


@pytest.mark.parametrize(
    "argv",
    [
        ["--inputs", "s3://b/in/inputs.pb", "--output-prefix", "s3://b/out", "--raw-output-data-prefix", "s3://b/raw",
         "--checkpoint-path", "s3://b/cp", "--prev-checkpoint", '""', "--resolver",
         "flyte_entrypoint.default_task_resolver", "--", "task-module", "wf", "task-name", "add"],
    ],
)  # fmt: skip
def test_flytekit_serialized_command_is_fast(argv: list[str]) -> None:
    assert flags.parse("pyflyte-execute", argv, {}) == _click_kwargs("pyflyte-execute", argv)
    assert flags.parse("pyflyte-execute", argv, {}) is not None


def test_shell_completion_goes_to_click() -> None:
    argv = ["--inputs", "a", "--output-prefix", "b"]
    assert flags.parse("pyflyte-execute", argv, {"_PYFLYTE_EXECUTE_COMPLETE": "bash_source"}) is None
