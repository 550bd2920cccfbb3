"""Laws of ``core/explain.py`` (stated in its docstring).

* a command after leading program words is found, with every word after it as its args;
* ``fast_execute_inner`` gives back exactly the words after the first ``--``;
* the error file pattern matches the error file's name with any 32-hex-digit uuid in place of ``<uuid>``
  (and only names of that shape); the exit code after an error document is 1 exactly under
  ``FLYTE_FAIL_ON_ERROR``; ``record["words"] == words(record)``.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core.explain import (
    COMMANDS,
    UUID_PLACEHOLDER,
    explain,
    fast_execute_inner,
    split_command_line,
    words,
)
from flyte_entrypoint.core.run import configure
from flyte_entrypoint.core.task import task
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs

WORD = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
PROGRAM = WORD.filter(lambda w: not w.startswith("-") and w != "--" and w.rpartition("/")[2] not in COMMANDS)


@task
def add(a: int, b: int) -> int:
    return a + b


@given(st.lists(PROGRAM, max_size=3), st.sampled_from(COMMANDS), st.text(st.sampled_from("/abc"), max_size=6), st.lists(WORD, max_size=5))
def test_command_after_programs(programs: list[str], command: str, directory: str, args: list[str]) -> None:
    prefix = f"{directory}/" if directory else ""
    assert split_command_line([*programs, prefix + command, *args]) == (command, tuple(args))


@given(st.lists(WORD.filter(lambda w: w != "--"), max_size=5), st.lists(WORD, max_size=5))
def test_fast_execute_inner_is_after_the_first_separator(options: list[str], inner: list[str]) -> None:
    assert fast_execute_inner([*options, "--", *inner])[1] == tuple(inner)


ENV = st.fixed_dictionaries(
    {},
    optional={
        "FLYTE_INTERNAL_DIST_ERROR_STRATEGY": st.sampled_from(["Earliest", ""]),
        "FLYTE_INTERNAL_WORKER_NAME": st.text(max_size=5),
        "FLYTE_FAIL_ON_ERROR": st.sampled_from(["true", "false", "1", "0", ""]),
        "_F_L_MIN_SIZE_MB": st.sampled_from(["1", "x"]),
    },
)


@given(ENV, st.text("0123456789abcdef", min_size=32, max_size=32), st.booleans())
def test_error_file_exit_code_and_words(env: dict[str, str], uuid: str, loads: bool) -> None:
    args = TaskArgs(inputs="in.pb", output_prefix="out", resolver_args=("m", "add"))
    config = configure(Invocation(args, env, now=1.0, uuid_hex=UUID_PLACEHOLDER))
    record: dict[str, Any] = explain(config, add if loads else None, None if loads else "E: e")
    name = record["error_file"]["name"]
    pattern = re.compile(record["error_file"]["pattern"])
    assert pattern.match(name.replace(UUID_PLACEHOLDER, uuid))
    assert not pattern.match(name.replace(UUID_PLACEHOLDER, uuid[:-1]) + "x")
    assert record["exit_code"]["error"] == (1 if config.fail_on_error else 0)
    assert record["words"] == words(record)
