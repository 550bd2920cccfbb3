"""``flyte_entrypoint.entrypoint`` against the seed document, name by name.

The seed (``../shared/seed/*.txt``, the API reference of ``flytekit.bin.entrypoint``) is parsed by
``tests/seed_reference.py``; every class, error, function and variable it lists must exist in our module
with the same kind, every method with the same parameter names, order and variadic kinds, every
property. Defaults are not in the seed: they are compared with flytekit's own signatures, read in the
oracle venv (``test_defaults_match_flytekit``).
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

import flyte_entrypoint.entrypoint as ours

_here = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("seed_reference", _here / "seed_reference.py")
assert _spec is not None and _spec.loader is not None
seed_reference = importlib.util.module_from_spec(_spec)
sys.modules["seed_reference"] = seed_reference
_spec.loader.exec_module(seed_reference)

SEED = seed_reference.parse()

# Parameters we have and the seed does not list: each with the reason.
EXTRA_PARAMS: dict[tuple[str, str], str] = {
    ("SerializationSettings.__init__", "default_resources"): "flytekit 1.16.31 has it (the seed predates it)",
}

_KINDS = {
    "*args": {inspect.Parameter.VAR_POSITIONAL},
    "**kwargs": {inspect.Parameter.VAR_KEYWORD},
    "plain": {
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
        inspect.Parameter.POSITIONAL_ONLY,
    },
}
_KINDS["untyped"] = _KINDS["plain"] | _KINDS["*args"] | _KINDS["**kwargs"]


def _our_params(owner: type | None, name: str, obj: Any) -> list[inspect.Parameter]:
    params = list(inspect.signature(obj).parameters.values())
    if owner is not None:
        raw = inspect.getattr_static(owner, name) if name != "__init__" else owner.__init__
        if inspect.isfunction(raw) and params and params[0].name in ("self", "cls"):
            params = params[1:]
    return params


def _check(label: str, expected: Any, params: list[inspect.Parameter]) -> list[str]:
    problems = []
    ours_named = [p for p in params if (label, p.name) not in EXTRA_PARAMS]
    got = [(p.name, p.kind) for p in ours_named]
    want = [(p.name, p.kind) for p in expected.params]
    if [n for n, _ in got] != [n for n, _ in want]:
        problems.append(f"{label}: parameters {[n for n, _ in got]} != seed {[n for n, _ in want]}")
        return problems
    for (n, kind), (_, seed_kind) in zip(got, want):
        if kind not in _KINDS[seed_kind]:
            problems.append(f"{label}: parameter {n} is {kind.name}, seed says {seed_kind}")
    return problems


def test_the_seed_is_what_the_issue_describes() -> None:
    classes = [c for c in SEED.classes.values() if c.kind == "class"]
    errors = [c for c in SEED.classes.values() if c.kind == "error"]
    assert (len(classes), len(errors), len(SEED.functions), len(SEED.variables)) == (14, 5, 19, 4)
    assert sum(len(c.methods) for c in SEED.classes.values()) == 132
    assert sum(len(c.properties) for c in SEED.classes.values()) == 46


@pytest.mark.parametrize("name", SEED.names)
def test_every_seed_name_exists_with_its_kind(name: str) -> None:
    assert hasattr(ours, name), f"flyte_entrypoint.entrypoint has no {name}"
    value = getattr(ours, name)
    if name in SEED.classes:
        assert inspect.isclass(value)
        is_error = issubclass(value, BaseException)
        assert is_error == (SEED.classes[name].kind == "error")
    elif name in SEED.functions:
        assert callable(value) and not inspect.isclass(value)
    assert name in ours.__all__


def test_variables() -> None:
    assert ours.FLYTE_FAIL_ON_ERROR == "FLYTE_FAIL_ON_ERROR"
    assert ours.SERIALIZED_CONTEXT_ENV_VAR == "_F_SS_C"
    assert isinstance(ours.logger, logging.Logger)
    assert isinstance(ours.user_space_logger, logging.Logger)


@pytest.mark.parametrize("name", sorted(SEED.functions))
def test_function_signatures(name: str) -> None:
    assert _check(name, SEED.functions[name], _our_params(None, name, getattr(ours, name))) == []


@pytest.mark.parametrize("name", sorted(SEED.classes))
def test_class_surface(name: str) -> None:
    entry = SEED.classes[name]
    cls = getattr(ours, name)
    problems: list[str] = []
    if entry.init is not None:
        problems += _check(f"{name}.__init__", entry.init, _our_params(cls, "__init__", cls.__init__))
    for mname, sig in entry.methods.items():
        if not hasattr(cls, mname):
            problems.append(f"{name}.{mname}: missing")
            continue
        method = getattr(cls, mname)
        if not callable(method):
            problems.append(f"{name}.{mname}: not callable")
            continue
        problems += _check(f"{name}.{mname}", sig, _our_params(cls, mname, method))
    attr_fields = {f.name for f in attrs.fields(cls)} if attrs.has(cls) else set()
    for prop in entry.properties:
        static = inspect.getattr_static(cls, prop, None)
        if not (isinstance(static, property) or prop in attr_fields or static is not None):
            problems.append(f"{name}.{prop}: no such property")
    assert problems == []


# ------------------------------------------------------------------------------------------ defaults
_DUMP = r"""
import inspect, json, sys
import flytekit.bin.entrypoint as m
names = json.loads(sys.argv[1])
def sig(obj, owner=None, attr=None):
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    if owner is not None:
        raw = inspect.getattr_static(owner, attr) if attr != "__init__" else owner.__init__
        if inspect.isfunction(raw) and params and params[0].name in ("self", "cls"):
            params = params[1:]
    return [[p.name, None if p.default is inspect.Parameter.empty else repr(p.default)] for p in params]
out = {}
for name, methods in names.items():
    obj = getattr(m, name)
    if inspect.isclass(obj):
        out[name + ".__init__"] = sig(obj.__init__, obj, "__init__")
        for meth in methods:
            out[name + "." + meth] = sig(getattr(obj, meth), obj, meth)
    elif callable(obj):
        out[name] = sig(obj)
print(json.dumps(out))
"""

# Defaults that differ from flytekit's on purpose (README, "The seed API").
DEFAULT_DIFFERENCES: dict[str, str] = {
    "ExecutionParameters.__init__:stats": "optional here (a record built in a test needs no statsd client)",
    "ExecutionParameters.__init__:execution_id": "optional here",
    "ExecutionParameters.__init__:logging": "optional here",
    "ExecutionParameters.__init__:raw_output_prefix": "optional here",
    "PythonTask.__init__:deck_fields": "deck names as strings (flytekit: DeckField members with those values)",
    "OutputMetadataTracker.__init__:output_metadata": "an empty persistent map (flytekit: a dict factory)",
}


ORACLE_PYTHON = _here.parent / ".oracle-venv" / "bin" / "python"


def _oracle_signatures() -> dict[str, Any]:
    assert ORACLE_PYTHON.exists(), f"oracle venv missing: {ORACLE_PYTHON}; run scripts/setup-venvs.sh"
    names = {n: list(c.methods) for n, c in SEED.classes.items() if n != "Timestamp"}
    names.update({n: [] for n in SEED.functions})
    proc = subprocess.run(
        [str(ORACLE_PYTHON), "-c", _DUMP, json.dumps(names)], capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _our_signature(label: str) -> list[list[Any]] | None:
    owner_name, _, attr = label.partition(".")
    owner = getattr(ours, owner_name)
    if not attr:
        params = _our_params(None, owner_name, owner)
    else:
        obj = owner.__init__ if attr == "__init__" else getattr(owner, attr)
        params = _our_params(owner, attr, obj)
    return [[p.name, None if p.default is inspect.Parameter.empty else repr(p.default)] for p in params]


def test_defaults_match_flytekit() -> None:
    theirs = _oracle_signatures()
    problems = []
    for label, their_params in theirs.items():
        if their_params is None:
            continue
        mine = {n: d for n, d in (_our_signature(label) or [])}
        for pname, their_default in their_params:
            key = f"{label}:{pname}"
            if key in DEFAULT_DIFFERENCES or pname not in mine:
                continue
            my_default = mine[pname]
            if (their_default is None) != (my_default is None) or (
                their_default is not None and their_default != my_default
            ):
                problems.append(
                    f"{key}: flytekit default {their_default or '(required)'}, ours {my_default or '(required)'}"
                )
    assert problems == []


@pytest.mark.parametrize(
    "name", ["FlyteContext", "FlyteContextManager", "FileAccessProvider", "PythonTask", "ExecutionParameters"]
)
def test_top_level_names_are_the_same_objects(name: str) -> None:
    import flyte_entrypoint

    assert getattr(flyte_entrypoint, name) is getattr(ours, name)
    assert name in flyte_entrypoint.__all__
