"""``core/explain.py``: what a task command would do, as data and in words, from the run's configuration.

The facts explained are Flyte's and flytekit's (README "explain"; PROTOCOL.md): ``outputs.pb`` on success,
``error.pb`` on error, or ``error-<32 hex>.pb`` with the worker's name under a distributed error strategy
(``FLYTE_INTERNAL_DIST_ERROR_STRATEGY``), ``<output>_offloaded_metadata.pb`` when ``_F_L_MIN_SIZE_MB`` turns
offloading on, ``deck.html`` for a task with ``enable_deck``, exit 0 after an error document unless
``FLYTE_FAIL_ON_ERROR``; a map task's element is ``BATCH_JOB_ARRAY_INDEX_OFFSET`` plus the variable named
by ``BATCH_JOB_ARRAY_INDEX_VAR_NAME``. ``tests/e2e/test_explain_agrees.py`` checks the same against real runs.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from flyteidl.core import literals_pb2

from flyte_entrypoint.core.explain import (
    COMMANDS,
    DECK_FILE_NAME,
    UUID_PLACEHOLDER,
    explain,
    fast_execute_inner,
    split_command_line,
    words,
)
from flyte_entrypoint.core.run import configure
from flyte_entrypoint.core.task import dynamic, map_task, task
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs


@task
def add(a: int, b: int) -> int:
    return a + b


@task(enable_deck=True)
def report(a: int) -> tuple[int, str]:
    return a, ""


@task
def nothing() -> None:
    return None


@dynamic
def fan(n: int) -> int:
    return n


@task
def square(x: int, k: int) -> int:
    return x * k


squares = map_task(square)
scaled = map_task(functools.partial(square, k=2))

DISTRIBUTED = {"FLYTE_INTERNAL_DIST_ERROR_STRATEGY": "Earliest", "FLYTE_INTERNAL_WORKER_NAME": "worker-3"}
INDEX_1 = {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "MY_INDEX", "MY_INDEX": "1"}


def _config(env: dict[str, str] | None = None, map_task: bool = False, loader: tuple[str, ...] = ("m", "t"), **kw: Any) -> Any:
    args = TaskArgs(
        inputs="s3://b/in.pb", output_prefix="s3://b/out", resolver_args=loader, map_task=map_task, **kw
    )
    return configure(Invocation(args, env or {}, now=1.0, uuid_hex=UUID_PLACEHOLDER))


def _ints(**values: Any) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for name, value in values.items():
        if isinstance(value, list):
            lm.literals[name].collection.SetInParent()
            for v in value:
                lm.literals[name].collection.literals.add().scalar.primitive.integer = v
        else:
            lm.literals[name].scalar.primitive.integer = value
    return lm


# ------------------------------------------------------------------------------------- command lines


def test_the_three_container_commands() -> None:
    assert COMMANDS == ("pyflyte-execute", "pyflyte-map-execute", "pyflyte-fast-execute")


def test_split_command_line() -> None:
    assert split_command_line(["pyflyte-execute", "--inputs", "x"]) == ("pyflyte-execute", ("--inputs", "x"))
    assert split_command_line(["/usr/local/bin/pyflyte-map-execute", "--inputs", "x"]) == (
        "pyflyte-map-execute",
        ("--inputs", "x"),
    )
    assert split_command_line(["python", "-m", "flyte_entrypoint", "pyflyte-fast-execute", "--dest-dir", "/r"]) == (
        "pyflyte-fast-execute",
        ("--dest-dir", "/r"),
    )
    assert split_command_line(["--inputs", "x", "--", "task-module", "m"]) == (None, ("--inputs", "x", "--", "task-module", "m"))
    assert split_command_line(["python", "run.py", "--inputs", "x"]) == (None, ("--inputs", "x"))
    assert split_command_line(["task-module", "m"]) == (None, ("task-module", "m"))
    assert split_command_line([]) == (None, ())


def test_a_command_name_among_the_task_args_is_not_the_command() -> None:
    words_ = ["--inputs", "x", "--", "task-module", "m", "task-name", "pyflyte-execute"]
    assert split_command_line(words_) == (None, tuple(words_))


def test_fast_execute_options_and_inner_command() -> None:
    options, inner = fast_execute_inner(
        ["--additional-distribution", "s3://b/c.tar.gz", "--dest-dir", "/root", "--", "pyflyte-execute", "--inputs", "x"]
    )
    assert options == {"additional_distribution": "s3://b/c.tar.gz", "dest_dir": "/root"}
    assert inner == ("pyflyte-execute", "--inputs", "x")


def test_fast_execute_equals_form_unknown_flags_and_no_inner() -> None:
    options, inner = fast_execute_inner(["--dest-dir=/root", "--verbose", "--additional-distribution"])
    assert options == {"additional_distribution": None, "dest_dir": "/root"}
    assert inner == ()
    options, inner = fast_execute_inner(["--", "pyflyte-execute"])
    assert options == {"additional_distribution": None, "dest_dir": None} and inner == ("pyflyte-execute",)
    options, _ = fast_execute_inner(["--other", "x", "--dest_dir", "/d"])
    assert options["dest_dir"] == "/d"


# ---------------------------------------------------------------------------------------------- files


def test_a_plain_successful_run() -> None:
    record = explain(_config(), add, None, _ints(a=1, b=2))
    assert record["command"] == "pyflyte-execute"
    assert record["error_file"] == {"name": "error.pb", "pattern": r"^error\.pb$"}
    assert record["files"] == {
        "on_success": ["outputs.pb"],
        "on_error": ["error.pb"],
        "may_also_write": [],
        "on_ignore_outputs": [],
    }
    assert record["exit_code"] == {"success": 0, "error": 0, "error_document_unwritable": 1}
    assert record["certain_error"] is None
    assert record["inputs_read"] is True and record["inputs_error"] is None
    assert record["inputs_view"] == {"a": 1, "b": 2}
    assert "map" not in record
    assert record["words"] == words(record)


def test_fail_on_error_exits_1_after_the_document() -> None:
    record = explain(_config({"FLYTE_FAIL_ON_ERROR": "true"}), add, None)
    assert record["exit_code"] == {"success": 0, "error": 1, "error_document_unwritable": 1}
    assert "It exits 0 on success and 1 after writing an error document (FLYTE_FAIL_ON_ERROR is set)." in record["words"]
    plain = explain(_config(), add, None)
    assert "It exits 0 on success and 0 after writing an error document." in plain["words"]


def test_distributed_error_strategy_file_pattern_and_worker() -> None:
    record = explain(_config(DISTRIBUTED), add, None)
    err = record["error_file"]
    assert err["name"] == "error-<uuid>.pb"
    pattern = re.compile(err["pattern"])
    assert pattern.match("error-0123456789abcdef0123456789abcdef.pb")
    assert not pattern.match("error-0123456789abcdef0123456789abcdef.pbx")
    assert not pattern.match("error-0123456789abcdef0123456789abcdef0pb")  # the dot is a dot
    assert not pattern.match("error-0123456789abcdef.pb")
    assert not pattern.match("xerror-0123456789abcdef0123456789abcdef.pb")
    assert record["worker"] == "worker-3"
    assert record["files"]["on_error"] == ["error-<uuid>.pb"]
    assert (
        "On error it writes error-<uuid>.pb (distributed error strategy: <uuid> is a new random uuid)"
        " naming worker 'worker-3'." in record["words"]
    )


def test_plain_error_file_pattern_matches_only_its_name() -> None:
    pattern = re.compile(explain(_config(), add, None)["error_file"]["pattern"])
    assert pattern.match("error.pb") and not pattern.match("errorXpb") and not pattern.match("error.pb.tmp")
    assert "On error it writes error.pb." in explain(_config(), add, None)["words"]


def test_offloading_and_deck_files() -> None:
    record = explain(_config({"_F_L_MIN_SIZE_MB": "1"}), report, None)
    assert record["files"] == {
        "on_success": ["outputs.pb"],
        "on_error": ["error.pb", DECK_FILE_NAME],
        "may_also_write": ["o0_offloaded_metadata.pb", "o1_offloaded_metadata.pb", "deck.html"],
        "on_ignore_outputs": [],
    }
    assert "It may also write o0_offloaded_metadata.pb, o1_offloaded_metadata.pb, deck.html there." in record["words"]
    assert DECK_FILE_NAME == "deck.html"


def test_offloading_off_or_broken_writes_no_offloaded_files() -> None:
    assert explain(_config(), report, None)["files"]["may_also_write"] == ["deck.html"]
    broken = explain(_config({"_F_L_MIN_SIZE_MB": "x"}), report, None)
    assert broken["files"]["may_also_write"] == ["deck.html"]
    assert broken["certain_error"].startswith("invalid literal offloading limits")
    assert explain(_config({"_F_L_MIN_SIZE_MB": "x"}), None, "ImportError: m")["files"]["may_also_write"] == []


def test_no_task_means_no_task_files() -> None:
    record = explain(_config(), None, "ModuleNotFoundError: No module named 'm'")
    assert record["files"]["on_error"] == ["error.pb"] and record["files"]["may_also_write"] == []
    assert record["certain_error"] == "the task does not load: ModuleNotFoundError: No module named 'm'"
    assert record["words"][0] == (
        "pyflyte-execute cannot load the task with flyte_entrypoint.default_task_resolver:"
        " ModuleNotFoundError: No module named 'm'."
    )
    assert record["inputs_read"] is False and record["inputs_view"] is None


# ------------------------------------------------------------------------------------- certain errors


def test_no_resolver_args_is_a_certain_system_error() -> None:
    assert explain(_config(loader=()), None, None)["certain_error"] == "no resolver args: SYSTEM error"


def test_a_dynamic_task_is_refused() -> None:
    assert explain(_config(), fan, None)["certain_error"] == "dynamic tasks are not supported: SYSTEM:DynamicNotSupported"


def test_inputs_the_task_does_not_declare() -> None:
    record = explain(_config(), add, None, _ints(a=1, b=2, z=3, c=4))
    assert record["certain_error"] == "the inputs hold 'c', which the task does not declare"
    assert "This run will fail before the task function is called: the inputs hold 'c', which the task does not declare." in record["words"]
    assert explain(_config(), add, None, _ints(a=1))["certain_error"] is None  # a missing plain input has a default or fails later


def test_unreadable_inputs() -> None:
    record = explain(_config(), add, None, None, "FileNotFoundError: in.pb")
    assert record["certain_error"] == "the inputs cannot be read: FileNotFoundError: in.pb"
    assert record["inputs_error"] == "FileNotFoundError: in.pb" and record["inputs_read"] is False
    # without a task the load error is what is certain; an earlier certain error wins
    assert explain(_config(), None, None, None, "E")["certain_error"] is None
    assert explain(_config(), fan, None, None, "E")["certain_error"].startswith("dynamic tasks")


# ------------------------------------------------------------------------------------------ map tasks


def test_map_element_and_its_values() -> None:
    record = explain(_config(INDEX_1, map_task=True), squares, None, _ints(x=[5, 6, 7], k=[1, 2, 3]))
    assert record["certain_error"] is None
    assert record["map"] == {
        "index": 1,
        "mapped_inputs": ["x", "k"],
        "bound_inputs": [],
        "element": {"x": 6, "k": 2},
        "sizes": {"x": 3, "k": 3},
    }
    assert record["inputs_view"] is None  # a map task's inputs are shown per element
    assert "It runs element 1 of the mapped inputs x, k: x = 6, k = 2." in record["words"]


def test_bound_inputs_are_not_mapped() -> None:
    record = explain(_config(INDEX_1, map_task=True), scaled, None, _ints(x=[5, 6], k=2))
    assert record["certain_error"] is None
    assert record["map"]["mapped_inputs"] == ["x"] and record["map"]["bound_inputs"] == ["k"]
    assert record["map"]["element"] == {"x": 6} and record["map"]["sizes"] == {"x": 2}


def test_map_without_inputs_names_the_index_only() -> None:
    record = explain(_config(INDEX_1, map_task=True), squares, None)
    assert record["map"] == {"index": 1, "mapped_inputs": ["x", "k"], "bound_inputs": []}
    assert "It runs element 1 of the mapped inputs x, k." in record["words"]


def test_map_without_a_mapped_input() -> None:
    record = explain(_config({}, map_task=True), map_task(functools.partial(square, x=1, k=2)), None)
    assert record["map"]["index"] == 0
    assert "It runs element 0 of the mapped inputs (none)." in record["words"]


def test_map_index_that_cannot_be_computed() -> None:
    config = _config({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "MISSING"}, map_task=True)
    record = explain(config, squares, None, _ints(x=[1], k=[1]))
    assert record["map"] == {"index": None, "mapped_inputs": ["x", "k"], "bound_inputs": []}
    assert record["certain_error"].startswith("array index: ")
    assert "The array index cannot be computed from the environment." in record["words"]


def test_map_index_out_of_range() -> None:
    config = _config({**INDEX_1, "BATCH_JOB_ARRAY_INDEX_OFFSET": "2"}, map_task=True)
    record = explain(config, squares, None, _ints(x=[5, 6, 7], k=[1, 2, 3]))
    assert record["certain_error"] == "array index 3 is out of range for input 'x' with 3 elements"
    assert record["map"]["element"] == {
        "x": {"error": "index 3 is out of range for 3 elements"},
        "k": {"error": "index 3 is out of range for 3 elements"},
    }
    last = explain(_config({**INDEX_1, "BATCH_JOB_ARRAY_INDEX_OFFSET": "1"}, map_task=True), squares, None, _ints(x=[5, 6, 7], k=[1, 2, 3]))
    assert last["certain_error"] is None and last["map"]["element"] == {"x": 7, "k": 3}


def test_map_input_that_is_not_a_list() -> None:
    record = explain(_config(INDEX_1, map_task=True), squares, None, _ints(x=[5, 6], k=2))
    assert record["certain_error"] == "map task input 'k' is not a list"
    assert record["map"]["element"] == {"x": 6, "k": {"error": "input 'k' is not a list"}}
    assert record["map"]["sizes"] == {"x": 2}


def test_map_input_missing() -> None:
    record = explain(_config(INDEX_1, map_task=True), squares, None, _ints(x=[5, 6]))
    assert record["certain_error"] == "map task input 'k' is missing from the inputs"
    assert record["map"]["element"] == {"x": 6} and record["map"]["sizes"] == {"x": 2}


def test_map_first_bad_input_in_declaration_order() -> None:
    record = explain(_config({}, map_task=True), squares, None, _ints(x=[], k=[]))
    assert record["certain_error"] == "array index 0 is out of range for input 'x' with 0 elements"


# ----------------------------------------------------------------------------------------------- words


def test_words_of_a_loaded_task() -> None:
    record = explain(_config(raw_output_data_prefix="s3://b/raw"), add, None)
    assert record["words"] == [
        "pyflyte-execute loads task tests.test_explain.add (a: int, b: int) -> (o0: int)"
        " with flyte_entrypoint.default_task_resolver.",
        "It reads its inputs from s3://b/in.pb.",
        "On success it writes outputs.pb under s3://b/out.",
        "On error it writes error.pb.",
        "It exits 0 on success and 0 after writing an error document.",
    ]


def test_words_without_inputs_outputs_or_raw_prefix() -> None:
    record = explain(_config(), nothing, None)
    assert record["words"][0] == (
        "pyflyte-execute loads task tests.test_explain.nothing (no inputs) -> (no outputs)"
        " with flyte_entrypoint.default_task_resolver."
    )
    assert "No raw output prefix is given: file outputs go under s3://b/out/raw." in record["words"]


def test_words_list_every_output() -> None:
    record = explain(_config(), report, None)
    assert record["words"][0] == (
        "pyflyte-execute loads task tests.test_explain.report (a: int) -> (o0: int, o1: str)"
        " with flyte_entrypoint.default_task_resolver."
    )


def test_fast_execute_flags_are_read_one_at_a_time() -> None:
    options, inner = fast_execute_inner(["--dest-dir=/r", "--additional-distribution", "s3://b/c.tgz", "--", "x"])
    assert options == {"additional_distribution": "s3://b/c.tgz", "dest_dir": "/r"} and inner == ("x",)
    options, _ = fast_execute_inner(["--verbose", "--dest-dir", "/d"])
    assert options == {"additional_distribution": None, "dest_dir": "/d"}
    # only the flag's own name counts, not a look-alike
    options, _ = fast_execute_inner(["--Xdest-dir", "/d"])
    assert options == {"additional_distribution": None, "dest_dir": None}


def test_map_element_zero() -> None:
    record = explain(_config({}, map_task=True), squares, None, _ints(x=[5], k=[2]))
    assert record["certain_error"] is None
    assert record["map"]["index"] == 0 and record["map"]["element"] == {"x": 5, "k": 2}


def test_a_map_task_under_pyflyte_execute_runs_element_zero() -> None:
    # the run takes element 0 when pyflyte-execute (no array index) loads a map task
    record = explain(_config(), squares, None, _ints(x=[5, 6], k=[2, 3]))
    assert record["certain_error"] is None
    assert record["map"]["index"] == 0 and record["map"]["element"] == {"x": 5, "k": 2}
    empty = explain(_config(), squares, None, _ints(x=[], k=[]))
    assert empty["certain_error"] == "array index 0 is out of range for input 'x' with 0 elements"
