"""flytekit's pickle fallback for types the engine cannot carry (``core.task.with_pickle_fallback``), the
``pickle_untyped`` interface and the ``@task`` keywords.

Expected values are flytekit 1.16.31's: ``TypeEngine.to_literal_type(tp)`` serialized with
``SerializeToString(deterministic=True)`` for a class ``Foo`` defined in ``__main__`` (computed once in the oracle
venv and pinned here), and the parameter names of ``inspect.signature(flytekit.task)``.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Dict, FrozenSet, List, Optional, Set, Union

import pytest
from returns.result import Success

from flyte_entrypoint.core.interface import extract_interface
from flyte_entrypoint.core.task import TASK_KEYWORDS, make_task, with_pickle_fallback
from flyte_entrypoint.core.type_engine.engine import literal_type_of

Foo = type("Foo", (), {"__module__": "__main__"})  # str(Foo) == "<class '__main__.Foo'>", as in the oracle run


@pytest.mark.parametrize(
    ("tp", "flytekit_hex"),
    [
        (Foo, "2a0e0a0c507974686f6e5069636b6c65322f0a2d0a11707974686f6e5f636c6173735f6e616d6512181a163c636c61737320275f5f6d61696e5f5f2e466f6f273e"),
        (List[Foo], "1a412a0e0a0c507974686f6e5069636b6c65322f0a2d0a11707974686f6e5f636c6173735f6e616d6512181a163c636c61737320275f5f6d61696e5f5f2e466f6f273e"),
        (list[Foo], "1a412a0e0a0c507974686f6e5069636b6c65322f0a2d0a11707974686f6e5f636c6173735f6e616d6512181a163c636c61737320275f5f6d61696e5f5f2e466f6f273e"),
        (Dict[str, Foo], "22412a0e0a0c507974686f6e5069636b6c65322f0a2d0a11707974686f6e5f636c6173735f6e616d6512181a163c636c61737320275f5f6d61696e5f5f2e466f6f273e"),
        (Optional[Foo], "525e0a502a0e0a0c507974686f6e5069636b6c65322f0a2d0a11707974686f6e5f636c6173735f6e616d6512181a163c636c61737320275f5f6d61696e5f5f2e466f6f273e5a0d0a0b466c7974655069636b6c650a0a08005a060a046e6f6e65"),
        (Foo | None, "525e0a502a0e0a0c507974686f6e5069636b6c65322f0a2d0a11707974686f6e5f636c6173735f6e616d6512181a163c636c61737320275f5f6d61696e5f5f2e466f6f273e5a0d0a0b466c7974655069636b6c650a0a08005a060a046e6f6e65"),
        (Union[int, Foo], "525d0a0908015a050a03696e740a502a0e0a0c507974686f6e5069636b6c65322f0a2d0a11707974686f6e5f636c6173735f6e616d6512181a163c636c61737320275f5f6d61696e5f5f2e466f6f273e5a0d0a0b466c7974655069636b6c65"),
        (Set[Foo], "2a0e0a0c507974686f6e5069636b6c6532310a2f0a11707974686f6e5f636c6173735f6e616d65121a1a18747970696e672e5365745b5f5f6d61696e5f5f2e466f6f5d"),
        (FrozenSet[Foo], "2a0e0a0c507974686f6e5069636b6c6532370a350a11707974686f6e5f636c6173735f6e616d6512201a1e747970696e672e46726f7a656e5365745b5f5f6d61696e5f5f2e466f6f5d"),
        (Annotated[Foo, "m"], "2a0e0a0c507974686f6e5069636b6c65323c0a3a0a11707974686f6e5f636c6173735f6e616d6512251a23747970696e672e416e6e6f74617465645b5f5f6d61696e5f5f2e466f6f2c20276d275d"),
        (List[List[Foo]], "1a431a412a0e0a0c507974686f6e5069636b6c65322f0a2d0a11707974686f6e5f636c6173735f6e616d6512181a163c636c61737320275f5f6d61696e5f5f2e466f6f273e"),
    ],
    ids=str,
)
def test_unsupported_parts_travel_as_pickles_as_in_flytekit(tp: Any, flytekit_hex: str) -> None:
    """Lists, str-keyed dicts and unions keep their structure (a list of pickles, a union with a pickle
    variant); any other generic (a set) is pickled whole, under its own name."""
    fallback = literal_type_of(with_pickle_fallback(tp)).unwrap()
    assert fallback.SerializeToString(deterministic=True).hex() == flytekit_hex


@pytest.mark.parametrize("tp", [int, List[int], Dict[str, float], Optional[str], Dict[int, Foo]], ids=str)
def test_a_supported_type_is_returned_unchanged(tp: Any) -> None:
    """``Dict[int, Foo]`` is supported as it is (flytekit, too, writes it as a msgpack STRUCT, not a pickle)."""
    assert with_pickle_fallback(tp) is tp


def test_a_task_with_the_fallback_pickles_only_what_it_must() -> None:
    def fn(a: int, b: List[Foo]) -> Optional[Foo]:  # type: ignore[valid-type]
        return None

    record = make_task(fn, pickle_fallback=True)
    (a, b), (out,) = record.interface.inputs, record.interface.outputs
    assert a.python_type is int
    assert b.python_type == with_pickle_fallback(List[Foo])
    assert out.python_type == with_pickle_fallback(Optional[Foo])
    with pytest.raises(Exception, match="unsupported type"):
        make_task(fn)  # without the fallback: refused at decoration


def _untyped(a: int, b, c: str = "x"):  # type: ignore[no-untyped-def]
    return a


def _untyped_void(a, b: int) -> None:  # type: ignore[no-untyped-def]
    return None


UNTYPED = Annotated[Any, "untyped marker"]


def test_pickle_untyped_fills_in_only_what_is_not_annotated() -> None:
    """flytekit's ``pickle_untyped=True``: unannotated parameters and a missing return annotation get the
    untyped type; annotated ones keep theirs; ``-> None`` stays a task without outputs."""
    interface = extract_interface(_untyped, untyped=UNTYPED).unwrap()
    assert [(v.name, v.python_type) for v in interface.inputs] == [("a", int), ("b", UNTYPED), ("c", str)]
    assert [(v.name, v.python_type) for v in interface.outputs] == [("o0", UNTYPED)]
    void = extract_interface(_untyped_void, untyped=UNTYPED).unwrap()
    assert [(v.name, v.python_type) for v in void.inputs] == [("a", UNTYPED), ("b", int)]
    assert void.outputs == ()
    assert not isinstance(extract_interface(_untyped), Success)  # without it: refused


def test_a_task_with_pickle_untyped_pickles_its_unannotated_parts() -> None:
    record = make_task(_untyped, pickle_untyped=True)
    b = record.interface.inputs[1].python_type
    assert typing.get_origin(b) is Annotated and typing.get_args(b)[0] is Any
    assert literal_type_of(b).unwrap().blob.format == "PythonPickle"
    assert record.interface.outputs[0].python_type == b


FLYTEKIT_TASK_PARAMETERS = [
    "task_config", "cache", "retries", "interruptible", "deprecated", "timeout", "container_image", "environment",
    "requests", "limits", "secret_requests", "execution_mode", "node_dependency_hints", "task_resolver", "docs",
    "disable_deck", "enable_deck", "deck_fields", "pod_template", "pod_template_name", "accelerator",
    "pickle_untyped", "shared_memory", "resources", "labels", "annotations",
]
# flytekit pops these from **kwargs (the deprecated spellings of cache=Cache(...))
FLYTEKIT_POPPED_KWARGS = ["cache_serialize", "cache_version", "cache_ignore_input_vars"]


def _add(a: int) -> int:
    return a + 1


@pytest.mark.parametrize("keyword", FLYTEKIT_TASK_PARAMETERS + FLYTEKIT_POPPED_KWARGS)
def test_every_flytekit_task_keyword_is_accepted(keyword: str) -> None:
    record = make_task(_add, **{keyword: None})
    assert record.name.endswith("._add")


def test_the_keywords_are_exactly_flytekits() -> None:
    assert frozenset(FLYTEKIT_TASK_PARAMETERS + FLYTEKIT_POPPED_KWARGS) == TASK_KEYWORDS


def test_an_unknown_keyword_is_refused_with_flytekits_message() -> None:
    with pytest.raises(ValueError) as refused:
        make_task(_add, retries=2, colour="red")
    assert str(refused.value) == "Unrecognized argument(s) for task: dict_keys(['colour'])"
