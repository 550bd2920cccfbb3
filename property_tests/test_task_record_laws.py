"""Laws of reading a task off a python function (``core.interface``) and of the records ``@task`` / ``map_task``
build (``core.task``), as their docstrings state them.

``core.interface``:

* **shape**: ``extract_interface(fn)`` has one input per parameter, in order, with its annotation and its
  default (none: required), and the outputs of ``output_signature`` of the return annotation;
* **total**: any function gives ``Success`` or ``Failure(InterfaceError)``, never an exception; a parameter
  without annotation (unless ``untyped``) or ``*args``/``**kwargs`` is a Failure naming it;
* **untyped**: with ``untyped=U``, unannotated parameters and a missing return get ``U``; annotations win,
  and an explicit ``-> None`` stays a task without outputs.

``core.task``:

* **record**: ``make_task(fn, **kw)`` is named ``<module>.<name>``, keeps ``fn`` and the extracted interface,
  and keeps every keyword but the deck switches; ``disable_deck`` (when given) decides ``enable_deck``;
* **keywords**: exactly flytekit's ``task`` keywords are accepted; any other name is a ``ValueError``;
* **pickle fallback**: ``with_pickle_fallback`` is the identity on types the engine carries, idempotent,
  and always gives a type the engine carries;
* **map_task**: the partial's keywords are the bound inputs, which must be inputs of the task.
"""

from __future__ import annotations

import functools
import inspect
import keyword
import typing
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core import task as tk
from flyte_entrypoint.core.interface import InterfaceError, extract_interface
from flyte_entrypoint.core.type_engine.engine import literal_type_of
from flyte_entrypoint.core.type_engine.outputs import output_signature
from flyte_entrypoint.core.type_engine.pickled import AllowPickle

P = inspect.Parameter
SCALARS = [int, str, float, bool]
class Pair(typing.NamedTuple):
    left: int
    right: str


class Opaque:
    """A type the engine cannot carry (only as a pickle)."""


TYPES = st.sampled_from([*SCALARS, list[int], dict[str, float], typing.Optional[int], list[dict[str, int]]])
RETURNS = st.sampled_from([None, int, str, list[int], tuple[int, str], Pair])
NAMES = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda n: not keyword.iskeyword(n)),
    unique=True,
    max_size=5,
)
UNSUPPORTED = st.sampled_from([Opaque, list[Opaque], dict[str, Opaque], typing.Optional[Opaque], typing.Union[int, Opaque]])


def _function(params: list[inspect.Parameter], annotations: dict[str, Any], name: str = "f") -> Any:
    def f(*args: Any, **kwargs: Any) -> Any:
        return None

    f.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    f.__annotations__ = annotations
    f.__name__ = f.__qualname__ = name
    f.__module__ = "wf.tasks"
    return f


@st.composite
def signatures(draw: st.DrawFn) -> tuple[list[inspect.Parameter], dict[str, Any], list[Any]]:
    names = draw(NAMES)
    types = [draw(TYPES) for _ in names]
    n_defaults = draw(st.integers(0, len(names)))  # defaults come last
    params = []
    defaults: list[Any] = []
    for i, (name, _tp) in enumerate(zip(names, types)):
        has_default = i >= len(names) - n_defaults
        default = draw(st.integers()) if has_default else P.empty
        defaults.append(default)
        params.append(P(name, P.POSITIONAL_OR_KEYWORD, default=default))
    annotations: dict[str, Any] = dict(zip(names, types))
    ret = draw(RETURNS)
    annotations["return"] = ret
    return params, annotations, defaults


# ------------------------------------------------------------------------------------------ core.interface
@given(signatures())
def test_shape(sig: tuple[list[inspect.Parameter], dict[str, Any], list[Any]]) -> None:
    params, annotations, defaults = sig
    interface = extract_interface(_function(params, annotations)).unwrap()
    assert [v.name for v in interface.inputs] == [p.name for p in params]
    assert [v.python_type for v in interface.inputs] == [annotations[p.name] for p in params]
    for var, default in zip(interface.inputs, defaults):
        assert var.required is (default is P.empty)
        assert var.required or var.default == default
    expected = output_signature(annotations["return"]).unwrap()
    assert tuple(v.name for v in interface.outputs) == expected.names
    assert tuple(v.python_type for v in interface.outputs) == expected.types
    assert interface.output_tuple_name == expected.tuple_name


@given(signatures(), st.data())
def test_total_and_names_what_is_missing(sig: tuple[list[inspect.Parameter], dict[str, Any], list[Any]], data: st.DataObject) -> None:
    params, annotations, _ = sig
    if params:
        dropped = data.draw(st.sampled_from([p.name for p in params]))
        partial = {k: v for k, v in annotations.items() if k != dropped}
        result = extract_interface(_function(params, partial))
        assert isinstance(result, Failure) and isinstance(result.failure(), InterfaceError)
        assert repr(dropped) in str(result.failure())
    kind = data.draw(st.sampled_from([P.VAR_POSITIONAL, P.VAR_KEYWORD]))
    star = P("rest", kind)
    required = [p for p in params if p.default is P.empty]
    result = extract_interface(_function([*required, star], {**annotations, "rest": int}))
    assert isinstance(result, Failure) and "*args/**kwargs" in str(result.failure())


@given(signatures(), st.data())
def test_untyped(sig: tuple[list[inspect.Parameter], dict[str, Any], list[Any]], data: st.DataObject) -> None:
    params, annotations, _ = sig
    kept = {name: tp for name, tp in annotations.items() if name == "return" or data.draw(st.booleans())}
    explicit_none = kept.get("return", "absent") is None
    if data.draw(st.booleans()):
        kept.pop("return")
        explicit_none = False
    untyped = typing.Annotated[typing.Any, AllowPickle]
    interface = extract_interface(_function(params, kept), untyped=untyped).unwrap()
    assert [v.python_type for v in interface.inputs] == [kept.get(p.name, untyped) for p in params]
    if "return" not in kept:
        assert [v.python_type for v in interface.outputs] == [untyped]
    elif explicit_none:
        assert interface.outputs == ()


# ------------------------------------------------------------------------------------------ core.task
@given(
    signatures(),
    st.dictionaries(st.sampled_from(sorted(tk.TASK_KEYWORDS - {"enable_deck", "disable_deck", "pickle_untyped"})), st.integers(), max_size=3),
    st.sampled_from([None, True, False]),
    st.sampled_from([None, True, False]),
)
def test_record(
    sig: tuple[list[inspect.Parameter], dict[str, Any], list[Any]],
    config: dict[str, Any],
    enable: bool | None,
    disable: bool | None,
) -> None:
    params, annotations, _ = sig
    fn = _function(params, annotations, "my_task")
    kw = dict(config)
    if enable is not None:
        kw["enable_deck"] = enable
    if disable is not None:
        kw["disable_deck"] = disable
    record = tk.task(**kw)(fn)
    assert record.name == "wf.tasks.my_task" and record.function is fn
    assert record.interface == extract_interface(fn).unwrap()
    assert dict(record.config) == config
    assert record.enable_deck is ((not disable) if disable is not None else bool(enable))
    assert record.is_dynamic is False and tk.dynamic(**kw)(fn).is_dynamic is True


@given(st.sets(st.sampled_from(sorted(tk.TASK_KEYWORDS))), st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
def test_keywords(known: set[str], other: str) -> None:
    tk.check_keywords({k: None for k in known})
    if other not in tk.TASK_KEYWORDS:
        with pytest.raises(ValueError, match="Unrecognized argument"):
            tk.check_keywords({**{k: None for k in known}, other: None})


@settings(max_examples=60)
@given(st.one_of(TYPES, UNSUPPORTED))
def test_pickle_fallback(tp: Any) -> None:
    once = tk.with_pickle_fallback(tp)
    assert isinstance(literal_type_of(once), Success)
    assert tk.with_pickle_fallback(once) == once
    if isinstance(literal_type_of(tp), Success):
        assert once is tp


@given(st.lists(st.sampled_from(["a", "b", "c"]), unique=True), st.sampled_from(["d", "a"]))
def test_map_task_bound_inputs(bound: list[str], extra: str) -> None:
    inner = tk.task(_function([P(n, P.POSITIONAL_OR_KEYWORD) for n in "abc"], {"a": int, "b": int, "c": int, "return": int}))
    record = tk.map_task(functools.partial(inner, **{n: 1 for n in bound}))
    assert record.inner is inner and record.bound_inputs == frozenset(bound)
    assert tk.map_task(inner).bound_inputs == frozenset()
    if extra not in "abc":
        with pytest.raises(TypeError, match="has no inputs named"):
            tk.map_task(functools.partial(inner, **{extra: 1}))
