"""type_shapes.py: what shape an annotation has, as the dataclass codec sees it (the functions' docstrings)."""

from __future__ import annotations

import collections.abc
import dataclasses
import os
import typing
import uuid
from typing import Annotated, Dict, Final, FrozenSet, List, NewType, Optional, Set, Tuple, Union

from flyte_entrypoint.core.type_engine import type_shapes as ts
from flyte_entrypoint.files import FlyteDirectory, FlyteFile
from flyte_entrypoint.flyte_schema import FlyteSchema
from flyte_entrypoint.structured import StructuredDataset

UserId = NewType("UserId", int)
Nested = NewType("Nested", UserId)  # type: ignore[valid-newtype]


def test_strip_type_drops_annotated_newtype_and_final_however_nested() -> None:
    assert ts.strip_type(Annotated[int, "x"]) is int
    assert ts.strip_type(UserId) is int
    assert ts.strip_type(Nested) is int
    assert ts.strip_type(Final[int]) is int  # type: ignore[misc]
    assert ts.strip_type(Annotated[Final[UserId], "x"]) is int  # type: ignore[misc]
    assert ts.strip_type(List[Annotated[int, "x"]]) == List[Annotated[int, "x"]]  # only the top level
    assert ts.strip_type(int) is int


def test_a_value_with_a_supertype_attribute_is_not_a_newtype() -> None:
    class HasSupertype:
        __supertype__ = int

    instance = HasSupertype()
    assert ts.strip_type(instance) is instance  # not callable: kept
    assert ts.strip_type(HasSupertype) is int  # a callable with __supertype__ is treated as a NewType


def test_uuid_is_recognised_by_module_and_qualname() -> None:
    assert ts.is_uuid_type(uuid.UUID)
    assert not ts.is_uuid_type(uuid.uuid4())
    assert not ts.is_uuid_type(type("UUID", (), {"__module__": "other"}))
    assert not ts.is_uuid_type(type("Other", (), {"__module__": "uuid"}))


def test_blob_kinds_by_class_and_subclass() -> None:
    class MyFile(FlyteFile):
        pass

    assert ts.blob_kind(FlyteFile) == "file"
    assert ts.blob_kind(MyFile) == "file"
    assert ts.blob_kind(FlyteFile["csv"]) == "file"
    assert ts.blob_kind(FlyteDirectory) == "directory"
    assert ts.blob_kind(StructuredDataset) == "structured"
    assert ts.blob_kind(FlyteSchema) == "schema"
    assert ts.blob_kind(int) is None
    assert ts.blob_kind("FlyteFile") is None
    assert ts.blob_kind(type("FlyteFile", (), {"__module__": "other"})) is None
    assert ts.blob_kind(type("Other", (), {"__module__": "flyte_entrypoint.files"})) is None
    assert ts.blob_kind(type("StructuredDataset", (), {"__module__": "other"})) is None
    assert ts.blob_kind(type("Other", (), {"__module__": "flyte_entrypoint.structured"})) is None
    assert ts.blob_kind(type("FlyteSchema", (), {"__module__": "other"})) is None
    assert ts.blob_kind(type("Other", (), {"__module__": "flyte_entrypoint.flyte_schema"})) is None


def test_pathlike_protocol_itself_bare_or_parametrized() -> None:
    assert ts.is_pathlike_protocol(os.PathLike)
    assert ts.is_pathlike_protocol(os.PathLike[str])
    assert not ts.is_pathlike_protocol(str)
    assert not ts.is_pathlike_protocol(type("PathLike", (), {"__module__": "other"}))
    assert not ts.is_pathlike_protocol(type("Other", (), {"__module__": "os"}))
    assert not ts.is_pathlike_protocol("os.PathLike")


def test_unions_of_both_spellings() -> None:
    assert ts.is_union(Union[int, str])
    assert ts.is_union(Optional[int])
    assert ts.is_union(int | None)
    assert not ts.is_union(int)
    assert not ts.is_union(List[int])


def test_container_kinds() -> None:
    cases = {
        list: "list",
        List[int]: "list",
        list[int]: "list",
        collections.abc.Sequence[int]: "list",
        collections.abc.MutableSequence[int]: "list",
        set: "set",
        Set[int]: "set",
        collections.abc.Set[int]: "set",
        collections.abc.MutableSet[int]: "set",
        frozenset: "frozenset",
        FrozenSet[int]: "frozenset",
        tuple: "tuple",
        Tuple[int, str]: "tuple",
        dict: "dict",
        Dict[str, int]: "dict",
        collections.abc.Mapping[str, int]: "dict",
        collections.abc.MutableMapping[str, int]: "dict",
    }
    for tp, kind in cases.items():
        assert ts.container_kind(tp) == kind, tp
    assert ts.container_kind(int) is None
    assert ts.container_kind(Optional[List[int]]) is None
    assert ts.container_kind({}) is None  # unhashable: not a container type


@dataclasses.dataclass
class _Hinted:
    a: Annotated[int, "meta"]
    b: List[str]


def test_field_hints_keep_or_drop_annotated_extras() -> None:
    assert ts.field_hints(_Hinted) == {"a": Annotated[int, "meta"], "b": List[str]}
    assert ts.field_hints(_Hinted, include_extras=False) == {"a": int, "b": List[str]}
    assert ts.field_hints(_Hinted) is ts.field_hints(_Hinted)  # cached per class and flag


def test_an_unresolvable_field_keeps_its_raw_annotation_and_the_others_resolve() -> None:
    @dataclasses.dataclass
    class Partly:
        good: int
        bad: NoSuchName  # type: ignore[name-defined]  # noqa: F821
        extra: Annotated[int, "m"]

    assert ts.field_hints(Partly) == {"good": int, "bad": "NoSuchName", "extra": Annotated[int, "m"]}
    assert ts.field_hints(Partly, include_extras=False) == {"good": int, "bad": "NoSuchName", "extra": int}


def test_type_names_for_messages() -> None:
    assert ts._type_name(int) == "int"
    assert ts._type_name(_Hinted) == "_Hinted"
    assert ts._type_name(typing.List[int]) == "List[int]"


def test_dataclass_types_not_instances() -> None:
    assert ts._is_dataclass_type(_Hinted)
    assert not ts._is_dataclass_type(_Hinted(1, []))
    assert not ts._is_dataclass_type(int)


def test_optional_arg_is_mashumaros_two_member_optional() -> None:
    assert ts._optional_arg(Optional[int]) is int
    assert ts._optional_arg(Union[None, str]) is str
    assert ts._optional_arg(int | None) is int
    assert ts._optional_arg(Union[int, str]) is None
    assert ts._optional_arg(Union[int, str, None]) is None
    assert ts._optional_arg(List[int]) is None
    assert ts._optional_arg(Tuple[int, str]) is None
