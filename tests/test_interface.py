"""``core.interface`` and ``core.task``: a task's typed interface read off the function, as flytekit's
``transform_function_to_interface`` names it (inputs in parameter order, outputs ``o0``, ``o1``, ... or
the NamedTuple's fields), and the records ``@task``/``@dynamic``/``map_task`` build."""

from __future__ import annotations

import functools
import typing

import pytest
from returns.result import Failure, Success

from flyte_entrypoint.core import interface as itf
from flyte_entrypoint.core import task as tk
from flyte_entrypoint.schemas.task import _NO_DEFAULT, InputVar, Interface, OutputVar


def add(a: int, b: float = 1.5) -> str:
    return f"{a}{b}"


class Pair(typing.NamedTuple):
    x: int
    y: str


def pair() -> Pair:
    return Pair(1, "a")


def nothing(a: int) -> None:
    return None


def test_inputs_in_parameter_order_with_defaults() -> None:
    assert itf.extract_interface(add) == Success(
        Interface((InputVar("a", int, _NO_DEFAULT), InputVar("b", float, 1.5)), (OutputVar("o0", str),), None)
    )
    got = itf.extract_interface(add).unwrap()
    assert [v.required for v in got.inputs] == [True, False]


def test_named_tuple_outputs_and_void() -> None:
    assert itf.extract_interface(pair) == Success(Interface((), (OutputVar("x", int), OutputVar("y", str)), "Pair"))
    assert itf.extract_interface(nothing) == Success(Interface((InputVar("a", int),), (), None))


def test_tuple_outputs() -> None:
    def two() -> tuple[int, str]:
        return 1, "a"

    assert itf.output_vars(tuple[int, str]) == Success(((OutputVar("o0", int), OutputVar("o1", str)), None))
    assert itf.extract_interface(two).unwrap().outputs == (OutputVar("o0", int), OutputVar("o1", str))


def test_unannotated_parameter() -> None:
    def f(a, b: int) -> int:  # type: ignore[no-untyped-def]
        return b

    result = itf.extract_interface(f)
    assert isinstance(result, Failure)
    assert isinstance(result.failure(), itf.InterfaceError)
    assert str(result.failure()) == "test_unannotated_parameter.<locals>.f: parameter 'a' has no type annotation"


@pytest.mark.parametrize("sig", ["*args: int", "**kw: int"])
def test_star_args(sig: str) -> None:
    ns: dict[str, typing.Any] = {}
    exec(f"def g(a: int, {sig}) -> int:\n    return a", ns)
    result = itf.extract_interface(ns["g"])
    assert str(result.failure()) == "g: *args/**kwargs are not supported in tasks"


def test_unresolvable_hints() -> None:
    def h(a: NoSuchType) -> int:  # type: ignore[name-defined]  # noqa: F821
        return 1

    result = itf.extract_interface(h)
    assert str(result.failure()).startswith("cannot resolve the type hints of test_unresolvable_hints.<locals>.h: ")


def test_bad_return_type_is_an_interface_error() -> None:
    result = itf.output_vars(tuple)
    assert isinstance(result, Failure) and isinstance(result.failure(), itf.InterfaceError)
    assert str(result.failure()) == "A bare tuple return type is not supported; use Tuple[A, B, ...]"
    assert issubclass(itf.InterfaceError, TypeError)


# --- core.task --------------------------------------------------------------------------------------------


def test_task_record() -> None:
    rec = tk.task(add)
    assert rec.name == f"{__name__}.add"
    assert rec.function is add
    assert rec.interface == itf.extract_interface(add).unwrap()
    assert (rec.enable_deck, rec.is_async, rec.is_dynamic) == (False, False, False)
    assert dict(rec.config) == {}


def test_task_with_config_and_decks() -> None:
    rec = tk.task(retries=3, enable_deck=True)(add)
    assert rec.enable_deck is True and dict(rec.config) == {"retries": 3}
    assert tk.task(disable_deck=False)(add).enable_deck is True
    assert tk.task(enable_deck=True, disable_deck=True)(add).enable_deck is False
    assert tk.task(disable_deck=None)(add).enable_deck is False


def test_async_and_dynamic() -> None:
    async def co(a: int) -> int:
        return a

    assert tk.task(co).is_async is True
    assert tk.dynamic(add).is_dynamic is True
    assert tk.dynamic(cache=True)(add).is_dynamic is True
    assert dict(tk.dynamic(cache=True)(add).config) == {"cache": True}


def test_task_refuses_untyped_and_unsupported() -> None:
    def untyped(a):  # type: ignore[no-untyped-def]
        return a

    with pytest.raises(itf.InterfaceError, match="parameter 'a' has no type annotation"):
        tk.task(untyped)

    def odd(a: object) -> int:
        return 1

    with pytest.raises(itf.InterfaceError, match=r"^Task .*odd: input 'a' has unsupported type <class 'object'>: "):
        tk.task(odd)

    def odd_out(a: int) -> object:
        return 1

    with pytest.raises(itf.InterfaceError, match=r"output 'o0' has unsupported type"):
        tk.task(odd_out)


def test_map_task() -> None:
    t = tk.task(add)
    m = tk.map_task(t, concurrency=2, min_success_ratio=0.5, ignored=1)
    assert (m.task, m.bound_inputs, m.concurrency, m.min_success_ratio, dict(m.bound_values)) == (
        t,
        frozenset(),
        2,
        0.5,
        {},
    )
    bound = tk.map_task(functools.partial(t, b=2.0))
    assert bound.task is t and bound.bound_inputs == frozenset({"b"}) and dict(bound.bound_values) == {"b": 2.0}


def test_map_task_refusals() -> None:
    t = tk.task(add)
    with pytest.raises(TypeError, match=r"^map_task: functools\.partial may bind keyword arguments only$"):
        tk.map_task(functools.partial(t, 1))
    with pytest.raises(TypeError, match=r"^map_task expects a task \(or a partial of one\), got function$"):
        tk.map_task(add)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^map_task: .*\.add has no inputs named \['c', 'z'\]$"):
        tk.map_task(functools.partial(t, z=1, c=2))


def test_annotated_types_are_kept_whole() -> None:
    # the type engine reads FlyteAnnotation/HashMethod from Annotated[...] metadata
    def f(a: typing.Annotated[int, "meta"]) -> typing.Annotated[str, "out"]:
        return str(a)

    got = itf.extract_interface(f).unwrap()
    assert got.inputs[0].python_type == typing.Annotated[int, "meta"]
    assert got.outputs[0].python_type == typing.Annotated[str, "out"]
