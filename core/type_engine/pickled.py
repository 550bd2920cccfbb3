"""The pickle fallback (PROTOCOL 10.9), **opt-in only**: ``typing.Annotated[T, AllowPickle]``.

Decision. flytekit silently pickles every type it has no transformer for. Pickle ties producer and consumer to
the same Python (and library) versions and executes code on load, so here an unsupported type is an error when
the task is decorated (naming the parameter and the type), unless the author opts in per parameter::

    from typing import Annotated
    from flyte_entrypoint import AllowPickle, task

    @task
    def t(model: Annotated[MyModel, AllowPickle]) -> Annotated[MyModel, AllowPickle]: ...

There is no process-wide switch (an environment variable cannot be read by the pure core at decoration time, and a
per-type marker keeps the choice visible in the code). ``AllowPickle`` on a type the engine supports changes
nothing: the normal encoding is used.

Wire format (as flytekit, so both sides read each other's data):

* LT: ``blob { format: "PythonPickle" } metadata { fields { key: "python_class_name" value: "<str(T)>" } }``;
* L: ``scalar { blob { metadata { type { format: "PythonPickle" } } uri: "<raw>/<hex32>/<md5 hex of the bytes>" } }``;
* bytes: ``cloudpickle.dumps(value)`` when cloudpickle is installed, else ``pickle.dumps(value, protocol=5)``.
  cloudpickle is not a dependency. Both produce standard pickle streams that flytekit's ``cloudpickle.load``
  reads. Reading uses ``pickle.loads``, which is what ``cloudpickle.loads`` is; a stream that cloudpickle wrote
  for a class defined in ``__main__`` or in a function needs cloudpickle installed to load (pickle imports it by
  name from the stream).

I/O is planned, not done: an output's pickle stream is planned as an ``UploadBytes`` to ``<raw>/<hex32>/<md5>``; an
input asks the sink for the blob's bytes (``BlobsNeeded`` until the caller supplied them; a missing blob is a
conversion error naming its URI), as for numpy arrays and dataframes.

Laws (``property_tests/test_pickle_laws.py``, ``property_tests/test_conversion_io_laws.py``; the shapes are
flytekit's: ``tests/test_type_engine_pickled.py``):

* **Opt-in changes nothing for a supported type**: ``Annotated[T, AllowPickle]`` converts exactly as ``T``.
* **Round trip**: a pickled output's planned bytes, supplied back as its input blob, give an equal value; the URI
  ends with their md5.
* **Reads supplied == reads performed**, **deterministic**, **total** (a withheld blob is ``BlobsNeeded``, a
  missing one a ``ConversionError`` naming its URI): the conversion-I/O laws.
"""

from __future__ import annotations

import hashlib
import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.engine import (
    PENDING,
    ConversionError,
    Engine,
    Sink,
    UnsupportedTypeError,
)

__all__ = ["PICKLE", "PYTHON_PICKLE_FORMAT", "AllowPickle", "PickleTransformer", "allows_pickle", "dumps", "loads"]

PYTHON_PICKLE_FORMAT = "PythonPickle"


class AllowPickle:
    """Marker: ``Annotated[T, AllowPickle]`` lets a type the engine does not support travel as a pickle."""

    def __repr__(self) -> str:
        return "AllowPickle"


def _is_marker(item: Any) -> bool:
    return item is AllowPickle or isinstance(item, AllowPickle)


def allows_pickle(tp: Any) -> bool:
    """``Annotated[T, ..., AllowPickle, ...]``."""
    if typing.get_origin(tp) is not typing.Annotated:
        return False
    return any(_is_marker(m) for m in typing.get_args(tp)[1:])


def _without_marker(tp: Any) -> Any:
    """``Annotated[T, AllowPickle, x]`` -> ``Annotated[T, x]``; ``Annotated[T, AllowPickle]`` -> ``T``."""
    args = typing.get_args(tp)
    rest = tuple(m for m in args[1:] if not _is_marker(m))
    if not rest:
        return args[0]
    params: tuple[Any, ...] = (args[0], *rest)
    return typing.Annotated.__class_getitem__(params)  # type: ignore[attr-defined]


def dumps(value: Any) -> bytes:
    try:
        import cloudpickle
    except ImportError:
        import pickle

        return pickle.dumps(value, protocol=5)
    data: bytes = cloudpickle.dumps(value)
    return data


def loads(data: bytes) -> Any:
    import pickle

    return pickle.loads(data)


def pickle_literal_type(inner: Any) -> types_pb2.LiteralType:
    lt = types_pb2.LiteralType()
    lt.blob.format = PYTHON_PICKLE_FORMAT
    # dimensionality SINGLE is the zero value (proto3 default): nothing to set
    lt.metadata.fields["python_class_name"].string_value = str(inner)
    return lt


class PickleTransformer:
    """Claims ``Annotated[T, AllowPickle]``; pickles only when the engine has nothing for ``T``."""

    name = "FlytePickle"

    def handles(self, tp: Any) -> bool:
        return allows_pickle(tp)

    @staticmethod
    def _native(tp: Any, engine: Engine) -> Any | None:
        """The type to convert normally, or None when the value must be pickled."""
        stripped = _without_marker(tp)
        try:
            engine.literal_type(stripped)
        except UnsupportedTypeError:
            return None
        return stripped

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        native = self._native(tp, engine)
        if native is not None:
            return engine.literal_type(native)
        # flytekit names the annotated type itself: ``typing.Annotated[m.Foo, 'x']`` keeps its other metadata
        return pickle_literal_type(_without_marker(tp))

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        native = self._native(tp, engine)
        if native is not None:
            return engine.to_literal(value, native, sink)
        if value is None:
            raise ConversionError("Cannot pickle None Value.")
        try:
            data = dumps(value)
        except Exception as exc:  # flytekit lets the pickler's exception through: its kind and message
            raise ConversionError(str(exc), kind=type(exc).__name__) from exc
        digest = hashlib.md5(data).hexdigest()
        uri = paths.join(sink.context.raw_output_prefix, sink.unique_hex(), digest)
        sink.plan_bytes(uri, data)
        lit = literals_pb2.Literal()
        lit.scalar.blob.metadata.type.format = PYTHON_PICKLE_FORMAT
        # dimensionality SINGLE is the zero value (proto3 default): nothing to set
        lit.scalar.blob.uri = uri
        return lit

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        native = self._native(tp, engine)
        if native is not None:
            return engine.to_python(literal, native, sink)
        if literal.WhichOneof("value") != "scalar" or literal.scalar.WhichOneof("value") != "blob":
            raise ConversionError(f"Cannot unpickle a {literal.WhichOneof('value')} literal: expected a blob")
        uri = literal.scalar.blob.uri
        data = sink.read_stored(uri, "cannot read the pickle")
        if data is None:
            return PENDING
        try:
            return loads(data)
        except Exception as exc:
            raise ConversionError(f"cannot unpickle {uri}: {type(exc).__name__}: {exc}") from exc


PICKLE = PickleTransformer()
