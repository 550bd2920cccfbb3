"""``numpy.ndarray`` <-> flytekit's ``NumpyArray`` blob (one ``.npy`` file), as flytekit 1.16.

* **Type.** ``blob { format: "NumpyArray" }`` (SINGLE); union tag ``Numpy Array``.
  ``Annotated[np.ndarray, kwtypes(allow_pickle=True, mmap_mode="r")]`` passes those to ``np.save`` / ``np.load``;
  a ``HashMethod`` is allowed too (the engine applies it); any other annotation is an error, as in flytekit.
* **Output.** The array is saved in memory (``np.save``, ``allow_pickle`` from the annotation, default False) and
  the bytes are planned as an ``UploadBytes`` to ``<raw prefix>/<hex32>/<hex32>.npy`` (flytekit:
  ``<raw>/<random>/<random>.npy``; the same bytes as its ``np.save`` to a file).
* **Input.** The blob's bytes are asked from the sink (fetched by the caller, see ``engine.py``) and loaded with
  ``np.load`` (``allow_pickle`` from the annotation). Difference from flytekit: ``mmap_mode`` cannot map bytes
  held in memory, so such an array is an ordinary in-memory ``ndarray`` (same values) instead of a ``memmap``.

numpy is imported only inside the two codec functions, when a task uses arrays; the type is recognised by name.

Laws (``property_tests/test_numpy_array_laws.py``, ``property_tests/test_conversion_io_laws.py``,
``test_numpy_round_trip`` in ``property_tests/test_rich_types_laws.py``; flytekit's shapes and messages:
``tests/test_type_engine_numpy.py``):

* **The bytes are np.save's**: an output's planned upload is exactly the ``.npy`` file ``np.save`` writes.
* **Round trip**: those bytes, supplied back as the input's blob, give an array of the same dtype, shape and values.
* **Reads supplied == reads performed**, **total** (a withheld blob is ``BlobsNeeded``, a missing one a
  ``ConversionError`` naming its URI).
"""

from __future__ import annotations

import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.annotated import split_annotated
from flyte_entrypoint.core.type_engine.engine import (
    PENDING,
    ConversionError,
    Engine,
    Sink,
    value_str,
)
from flyte_entrypoint.core.type_engine.recognize import is_ndarray

__all__ = ["NUMPY_ARRAY", "NUMPY_ARRAY_FORMAT", "NumpyArrayTransformer"]

NUMPY_ARRAY_FORMAT = "NumpyArray"


def _base(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _options(tp: Any) -> dict[str, Any]:
    """flytekit's ``extract_metadata``: one kwtypes dict of load/save options; HashMethods are skipped."""
    options: dict[str, Any] = {}
    found = False
    declared = tp
    while typing.get_origin(tp) is typing.Annotated:
        tp, extra = split_annotated(tp)
        for item in extra:
            if isinstance(item, dict):
                if found:  # flytekit's message shows both kwtypes as they are (OrderedDict reprs)
                    raise ConversionError(f"Metadata {options} is already specified, cannot use {item}.")
                options, found = item, True
            elif not callable(getattr(item, "calculate", None)):  # a HashMethod is the engine's business
                raise ConversionError(f"The metadata for {declared} must be of type kwtypes or HashMethod.")
    return options


def npy_bytes(value: Any, allow_pickle: bool) -> bytes:
    """``np.save`` of ``value`` into memory: the bytes of the ``.npy`` file."""
    import io

    import numpy

    buffer = io.BytesIO()
    numpy.save(file=buffer, arr=value, allow_pickle=allow_pickle)
    return buffer.getvalue()


def load_npy(data: bytes, allow_pickle: bool) -> Any:
    """``np.load`` of the bytes of a ``.npy`` file."""
    import io

    import numpy

    return numpy.load(file=io.BytesIO(data), allow_pickle=allow_pickle)


class NumpyArrayTransformer:
    name = "Numpy Array"

    def handles(self, tp: Any) -> bool:
        return is_ndarray(tp)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.blob.format = NUMPY_ARRAY_FORMAT
        # dimensionality SINGLE is the zero value (proto3 default): nothing to set
        return lt

    def _literal(self, uri: str) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        lit.scalar.blob.metadata.type.format = NUMPY_ARRAY_FORMAT
        # dimensionality SINGLE is the zero value (proto3 default): nothing to set
        lit.scalar.blob.uri = uri
        return lit

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        base = _base(tp)
        if not isinstance(value, base):  # flytekit's assert_type (it skips the check for an Annotated type)
            raise ConversionError(f"Expected value of type {base} but got '{value_str(value)}' of type {type(value)}")
        options = _options(tp)
        folder, name = sink.unique_hex(), sink.unique_hex() + ".npy"
        try:
            data = npy_bytes(value, bool(options.get("allow_pickle", False)))
        except Exception as exc:  # flytekit lets np.save's exception through: its kind and message
            raise ConversionError(str(exc), kind=type(exc).__name__) from exc
        remote = paths.join(sink.context.raw_output_prefix, folder, name)
        sink.plan_bytes(remote, data)
        return self._literal(remote)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if literal.WhichOneof("value") != "scalar" or literal.scalar.WhichOneof("value") != "blob":
            raise ConversionError(f"Cannot convert from {literal} to {tp}")
        options = _options(tp)
        uri = literal.scalar.blob.uri
        data = sink.read_stored(uri, "could not load the array")
        if data is None:
            return PENDING
        try:
            return load_npy(data, bool(options.get("allow_pickle", False)))
        except Exception as exc:
            raise ConversionError(f"could not load the array at {uri}: {type(exc).__name__}: {exc}") from exc


NUMPY_ARRAY = NumpyArrayTransformer()
