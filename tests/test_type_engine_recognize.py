"""recognize.py: the name-only tests that decide when a lazily loaded transformer is even asked.

Each predicate must say True for the real classes (and their subclasses, and ``Annotated`` forms where the
transformer accepts them) and False for everything else, without importing the libraries involved.
"""

from __future__ import annotations

import collections.abc
import typing
from collections.abc import Iterator
from typing import Annotated, Any

import numpy
import pandas
import pyarrow
import pydantic

from flyte_entrypoint.core.type_engine import recognize
from flyte_entrypoint.core.type_engine.flyte_error import FlyteError
from flyte_entrypoint.flyte_schema import FlyteSchema
from flyte_entrypoint.iterators import JSONIterator
from flyte_entrypoint.structured import StructuredDataset


def _fake(module: str, name: str) -> type:
    """A class that only *claims* the module and name of a real one (what the predicates look at)."""
    return type(name, (), {"__module__": module})


class _Unhashable(type):
    def __eq__(cls, other: object) -> bool:
        return cls is other

    __hash__ = None  # type: ignore[assignment]


def test_flyte_error_and_its_subclasses() -> None:
    class Sub(FlyteError):
        pass

    assert recognize.is_flyte_error(FlyteError)
    assert recognize.is_flyte_error(Sub)
    assert not recognize.is_flyte_error(_fake("other", "FlyteError"))
    assert not recognize.is_flyte_error(_fake("flyte_entrypoint.core.type_engine.flyte_error", "Other"))
    assert not recognize.is_flyte_error(FlyteError("m", "n"))


def test_structured_datasets_dataframes_and_tables() -> None:
    class MySD(StructuredDataset):
        pass

    assert recognize.is_structured(StructuredDataset)
    assert recognize.is_structured(MySD)
    assert recognize.is_structured(Annotated[StructuredDataset, {"a": int}])
    assert recognize.is_structured(Annotated[Annotated[pandas.DataFrame, "x"], "y"])
    assert recognize.is_structured(pandas.DataFrame)
    assert recognize.is_structured(pyarrow.Table)
    assert recognize.is_structured(_fake("pandas.core.frame", "DataFrame"))
    assert recognize.is_structured(_fake("pyarrow.lib", "Table"))


def test_look_alikes_are_not_structured() -> None:
    assert not recognize.is_structured(_fake("pandas", "Series"))
    assert not recognize.is_structured(_fake("polars", "DataFrame"))
    assert not recognize.is_structured(_fake("pyarrow", "DataFrame"))
    assert not recognize.is_structured(_fake("pandas", "Table"))
    assert not recognize.is_structured(_fake("flyte_entrypoint.other", "StructuredDataset"))
    assert not recognize.is_structured(typing.List[int])
    assert recognize.is_structured("pandas.DataFrame") is False  # a bool, not just falsy
    assert not recognize.is_structured(int)


def test_a_registered_dataframe_class_is_structured_and_an_unhashable_class_is_not() -> None:
    Frame = _fake("polars", "DataFrame")
    odd = _Unhashable("Odd", (), {})
    assert not recognize.is_structured(Frame)
    recognize.EXTRA_DATAFRAME_TYPES.add(Frame)
    try:
        assert recognize.is_structured(Frame)
        assert recognize.is_structured(Annotated[Frame, "cols"])
        assert recognize.is_structured(odd) is False
    finally:
        recognize.EXTRA_DATAFRAME_TYPES.discard(Frame)


def test_flyte_schema() -> None:
    class MySchema(FlyteSchema):
        pass

    assert recognize.is_flyte_schema(FlyteSchema)
    assert recognize.is_flyte_schema(MySchema)
    assert not recognize.is_flyte_schema(_fake("other", "FlyteSchema"))
    assert not recognize.is_flyte_schema(StructuredDataset)


def test_pydantic_models_but_not_base_model_itself() -> None:
    class Model(pydantic.BaseModel):
        x: int

    class Deeper(Model):
        pass

    assert recognize.is_pydantic_model(Model)
    assert recognize.is_pydantic_model(Deeper)
    assert not recognize.is_pydantic_model(pydantic.BaseModel)
    assert not recognize.is_pydantic_model(type("M", (_fake("other", "BaseModel"),), {}))
    assert not recognize.is_pydantic_model(type("M", (_fake("pydantic.main", "Other"),), {}))
    assert not recognize.is_pydantic_model(Model(x=1))
    assert not recognize.is_pydantic_model(typing.List[int])


def test_ndarray() -> None:
    assert recognize.is_ndarray(numpy.ndarray)
    assert recognize.is_ndarray(Annotated[numpy.ndarray, "x"])
    assert recognize.is_ndarray(_fake("numpy.core", "ndarray"))
    assert not recognize.is_ndarray(_fake("numpy", "matrix"))
    assert not recognize.is_ndarray(_fake("cupy", "ndarray"))
    assert not recognize.is_ndarray(numpy.zeros(1))
    assert not recognize.is_ndarray(typing.List[int])


def test_iterators_typed_and_json() -> None:
    class MyJSON(JSONIterator):
        pass

    assert recognize.is_iterator(Iterator[int])
    assert recognize.is_iterator(typing.Iterator[str])
    assert recognize.is_iterator(collections.abc.Iterator[Any])
    assert recognize.is_iterator(JSONIterator)
    assert recognize.is_iterator(MyJSON)
    assert not recognize.is_iterator(typing.Iterable[int])
    assert not recognize.is_iterator(typing.List[int])
    assert not recognize.is_iterator(_fake("other", "JSONIterator"))


def test_a_class_without_a_module_is_not_a_dataframe() -> None:
    nameless = type("DataFrame", (), {})
    nameless.__module__ = None  # type: ignore[assignment]
    assert not recognize.is_structured(nameless)
    assert not recognize.is_ndarray(type("ndarray", (), {"__module__": ""}))


def test_files_and_directories_are_told_apart_by_class() -> None:
    """``FlyteFile`` (any format variant, any subclass) is a file class and not a directory class, and the
    reverse for ``FlyteDirectory``; a look-alike outside ``flyte_entrypoint.files`` is neither."""
    from flyte_entrypoint.files import FlyteDirectory, FlyteFile

    class MyFile(FlyteFile):  # type: ignore[misc]
        pass

    for file_class in (FlyteFile, FlyteFile["csv"], MyFile):
        assert recognize.is_file_class(file_class) is True
        assert recognize.is_directory_class(file_class) is False
    for dir_class in (FlyteDirectory, FlyteDirectory["parquet"]):
        assert recognize.is_directory_class(dir_class) is True
        assert recognize.is_file_class(dir_class) is False
    assert not recognize.is_file_class(_fake("other.files", "FlyteFile"))
    assert not recognize.is_directory_class(_fake("other.files", "FlyteDirectory"))


def test_is_instance_asks_the_predicate_about_the_values_class() -> None:
    from flyte_entrypoint.files import FlyteDirectory, FlyteFile

    assert recognize.is_instance(FlyteFile("/tmp/x"), recognize.is_file_class) is True
    assert recognize.is_instance(FlyteDirectory("/tmp/d"), recognize.is_file_class) is False
    assert recognize.is_instance(FlyteFile, recognize.is_file_class) is False  # the class itself is no file
    assert recognize.is_instance(FlyteDirectory("/tmp/d"), recognize.is_directory_class) is True


def test_typing_literal_is_recognised_by_its_origin() -> None:
    assert recognize.is_typing_literal(typing.Literal["a", "b"]) is True
    assert recognize.is_typing_literal(Annotated[str, "x"]) is False
    assert recognize.is_typing_literal(str) is False
