"""What a ``pyflyte-execute`` / ``pyflyte-map-execute`` command would do, in data and in words.

``flyte-entrypoint explain`` prints this; tests check it against what a real run then writes. It is the
``--test`` plan (:func:`flyte_entrypoint.core.plan.describe_plan`) plus the answers a person debugging a
pod asks for: which files may appear under the output prefix (by exact name, or by pattern for the
random ``error-<uuid>.pb`` of the distributed error strategy), which array element a map task would
take, which errors are already certain before the task runs, and the exit code in each case.

Everything here is a function of the :class:`~flyte_entrypoint.core.run.RunConfig`, the loaded task (or
why it did not load) and, optionally, the inputs: nothing is run, read or written.

Laws (``property_tests/test_explain_laws.py``): a container command after any leading program words is
found, with every later word as its args; ``fast_execute_inner`` gives back exactly the words after the
first ``--``; the error file pattern matches the error file's name with any 32-hex-digit uuid for
``<uuid>``, and nothing else of that length; the exit code after an error document is 1 exactly when
``FLYTE_FAIL_ON_ERROR`` is true; ``record["words"] == words(record)``. Agreement with real runs (same
files, same exit code): ``tests/e2e/test_explain_agrees.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from returns.result import Failure, Success

from flyte_entrypoint.core.literal_view import literal_view
from flyte_entrypoint.core.plan import describe_plan
from flyte_entrypoint.core.run import OUTPUT_FILE_NAME, RunConfig
from flyte_entrypoint.schemas.task import MapTaskRecord, TaskRecord

UUID_PLACEHOLDER = "<uuid>"
"""Stands for the 32 hex digits of the random uuid a distributed-strategy error file is named with."""

COMMANDS = ("pyflyte-execute", "pyflyte-map-execute", "pyflyte-fast-execute")

DECK_FILE_NAME = "deck.html"


def split_command_line(words: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """``(command, args)`` of a container command line: leading programs (``python -m flyte_entrypoint``,
    a path to ``pyflyte-execute``...) are dropped; ``command`` is None when the words start with flags."""
    items = list(words)
    end = items.index("--") if "--" in items else len(items)  # the task's own args may name anything
    for i, word in enumerate(items[:end]):
        base = word.rpartition("/")[2]
        if base in COMMANDS:
            return base, tuple(items[i + 1 :])
    for i, word in enumerate(items):
        if word.startswith("-"):
            return None, tuple(items[i:])
    return None, tuple(items)


def fast_execute_inner(args: Sequence[str]) -> tuple[dict[str, str | None], tuple[str, ...]]:
    """The ``pyflyte-fast-execute`` options and the task command after its ``--``."""
    items = list(args)
    options: dict[str, str | None] = {"additional_distribution": None, "dest_dir": None}
    i = 0
    while i < len(items) and items[i] != "--":
        flag, equals, value = items[i].partition("=")
        key = flag.lstrip("-").replace("-", "_")
        if equals:
            options[key] = value
            i += 1
        elif key in options and i + 1 < len(items):
            options[key] = items[i + 1]
            i += 2
        else:
            i += 1
    return options, tuple(items[i + 1 :])


def _error_file(config: RunConfig) -> dict[str, Any]:
    name = config.error_file_name
    if UUID_PLACEHOLDER in name:
        prefix, _, suffix = name.partition(UUID_PLACEHOLDER)
        return {"name": name, "pattern": f"^{prefix}[0-9a-f]{{32}}{suffix.replace('.', chr(92) + '.')}$"}
    return {"name": name, "pattern": "^" + name.replace(".", "\\.") + "$"}


def _inner(task: TaskRecord | MapTaskRecord) -> TaskRecord:
    return task.inner


def _element_index(config: RunConfig) -> int | None:
    """The element a map task runs: the computed array index, 0 under ``pyflyte-execute`` (as the run
    takes it), None when the index cannot be computed."""
    if config.array_index is None:
        return 0
    return config.array_index.unwrap() if isinstance(config.array_index, Success) else None


def _certain_error(
    config: RunConfig, task: TaskRecord | MapTaskRecord | None, load_error: str | None, inputs: Any
) -> str | None:
    """Why the run will write an error document before the task function is called, if that is certain."""
    if not config.loader_args:
        return "no resolver args: SYSTEM error"
    if isinstance(config.array_index, Failure):
        return f"array index: {config.array_index.failure().message}"
    if isinstance(config.offload, Failure):
        return str(config.offload.failure())
    if load_error is not None:
        return f"the task does not load: {load_error}"
    if task is None:
        return None
    if _inner(task).is_dynamic:
        return "dynamic tasks are not supported: SYSTEM:DynamicNotSupported"
    if inputs is None:
        return None
    declared = [v.name for v in _inner(task).interface.inputs]
    extra = sorted(set(inputs.literals) - set(declared))
    if extra:
        return f"the inputs hold {extra[0]!r}, which the task does not declare"
    if isinstance(task, MapTaskRecord):
        missing = [n for n in declared if n not in inputs.literals]
        if missing:
            return f"map task input {missing[0]!r} is missing from the inputs"
        index = _element_index(config) or 0  # a Failure returned above
        for name in declared:
            if name in task.bound_inputs:
                continue
            literal = inputs.literals[name]
            if literal.WhichOneof("value") != "collection":
                return f"map task input {name!r} is not a list"
            if not 0 <= index < len(literal.collection.literals):
                size = len(literal.collection.literals)
                return f"array index {index} is out of range for input {name!r} with {size} elements"
    return None


def _map_element(config: RunConfig, task: MapTaskRecord, inputs: Any) -> dict[str, Any]:
    index = _element_index(config)
    mapped = [v.name for v in task.task.interface.inputs if v.name not in task.bound_inputs]
    element: dict[str, Any] = {"index": index, "mapped_inputs": mapped, "bound_inputs": sorted(task.bound_inputs)}
    if inputs is None or index is None:
        return element
    values: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    for name in mapped:
        if name not in inputs.literals:
            continue
        literal = inputs.literals[name]
        if literal.WhichOneof("value") != "collection":
            values[name] = {"error": f"input {name!r} is not a list"}
            continue
        items = literal.collection.literals
        sizes[name] = len(items)
        values[name] = (
            literal_view(items[index])
            if 0 <= index < len(items)
            else {"error": f"index {index} is out of range for {len(items)} elements"}
        )
    element["element"] = values
    element["sizes"] = sizes
    return element


def explain(
    config: RunConfig,
    task: TaskRecord | MapTaskRecord | None,
    load_error: str | None,
    inputs: Any = None,
    inputs_error: str | None = None,
) -> dict[str, Any]:
    """The explanation record: the ``--test`` plan plus files, certain errors, map element and words."""
    plan = describe_plan(config, task, load_error)
    error_file = _error_file(config)
    fail_code = 1 if config.fail_on_error else 0
    on_success = [OUTPUT_FILE_NAME]
    may_also = []
    deck = task is not None and _inner(task).enable_deck
    if task is not None and isinstance(config.offload, Success) and config.offload.unwrap().enabled:
        may_also += [f"{o.name}_offloaded_metadata.pb" for o in _inner(task).interface.outputs]
    if deck:
        may_also.append(DECK_FILE_NAME)
    certain = _certain_error(config, task, load_error, inputs)
    if certain is None and inputs_error is not None and task is not None:
        certain = f"the inputs cannot be read: {inputs_error}"
    record: dict[str, Any] = {
        **plan,
        "error_file": error_file,
        "files": {
            "on_success": on_success,
            "on_error": [error_file["name"]] + ([DECK_FILE_NAME] if deck else []),
            "may_also_write": may_also,
            "on_ignore_outputs": [],
        },
        "exit_code": {"success": 0, "error": fail_code, "error_document_unwritable": 1},
        "certain_error": certain,
        "inputs_read": inputs is not None,
        "inputs_error": inputs_error,
        "inputs_view": None,
    }
    if inputs is not None and not isinstance(task, MapTaskRecord):
        record["inputs_view"] = {k: literal_view(inputs.literals[k]) for k in sorted(inputs.literals)}
    if isinstance(task, MapTaskRecord):
        record["map"] = _map_element(config, task, inputs)
    record["words"] = words(record)
    return record


def words(record: dict[str, Any]) -> list[str]:
    """The explanation as sentences, one fact each."""
    out: list[str] = []
    command = record["command"]
    task = record.get("task")
    if task is not None:
        ins = ", ".join(f"{k}: {v['python_type']}" for k, v in task["inputs"].items()) or "no inputs"
        outs = ", ".join(f"{k}: {v['python_type']}" for k, v in task["outputs"].items()) or "no outputs"
        out.append(
            f"{command} loads {task['kind']} {task['name']} ({ins}) -> ({outs}) with {record['resolver']}."
        )
    else:
        out.append(f"{command} cannot load the task with {record['resolver']}: {record['load_error']}.")
    out.append(f"It reads its inputs from {record['inputs']}.")
    if "map" in record:
        m = record["map"]
        if m["index"] is None:
            out.append("The array index cannot be computed from the environment.")
        else:
            text = f"It runs element {m['index']} of the mapped inputs {', '.join(m['mapped_inputs']) or '(none)'}"
            if m.get("element"):
                text += ": " + ", ".join(f"{k} = {v!r}" for k, v in m["element"].items())
            out.append(text + ".")
    if record["raw_output_prefix_fallback"]:
        out.append(f"No raw output prefix is given: file outputs go under {record['raw_output_prefix']}.")
    files = record["files"]
    out.append(f"On success it writes {', '.join(files['on_success'])} under {record['output_prefix']}.")
    if files["may_also_write"]:
        out.append(f"It may also write {', '.join(files['may_also_write'])} there.")
    err = record["error_file"]["name"]
    worker = f" naming worker {record['worker']!r}" if record["worker"] else ""
    if UUID_PLACEHOLDER in err:
        out.append(
            f"On error it writes {err} (distributed error strategy: {UUID_PLACEHOLDER} is a new random uuid)"
            f"{worker}."
        )
    else:
        out.append(f"On error it writes {err}{worker}.")
    code = record["exit_code"]["error"]
    out.append(
        f"It exits 0 on success and {code} after writing an error document"
        + (" (FLYTE_FAIL_ON_ERROR is set)." if code else ".")
    )
    if record["certain_error"]:
        out.append(f"This run will fail before the task function is called: {record['certain_error']}.")
    return out
