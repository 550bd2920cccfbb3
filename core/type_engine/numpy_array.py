"""``numpy.ndarray`` <-> flytekit's ``NumpyArray`` blob (one ``.npy`` file), as flytekit 1.16.

* **Type.** ``blob { format: "NumpyArray" }`` (SINGLE); union tag ``Numpy Array``.
  ``Annotated[np.ndarray, kwtypes(allow_pickle=True, mmap_mode="r")]`` passes those to ``np.save`` / ``np.load``;
  a ``HashMethod`` is allowed too (the engine applies it); any other annotation is an error, as in flytekit.
* **Output.** The array is saved (``np.save``, ``allow_pickle`` from the annotation, default False) to the local
  staging file ``<sandbox>/<hex32>/<hex32>.npy`` and planned as an upload to ``<raw prefix>/<hex32>/<hex32>.npy``
  (flytekit: ``<raw>/<random>/<random>.npy``).
* **Input.** The blob is fetched and loaded with ``np.load`` (``allow_pickle``, ``mmap_mode`` from the annotation).

Saving and loading are I/O, done by the shell (``shell/array_io.py``) through the data-access hook; numpy is
imported there, only when a task uses arrays. The type is recognised by name here.
"""

from __future__ import annotations

import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.annotated import split_annotated
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink, Upload

__all__ = ["NUMPY_ARRAY", "NUMPY_ARRAY_FORMAT", "NumpyArrayTransformer"]

NUMPY_ARRAY_FORMAT = "NumpyArray"


def _is_ndarray(tp: Any) -> bool:
    return isinstance(tp, type) and tp.__name__ == "ndarray" and (tp.__module__ or "").split(".")[0] == "numpy"


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
                if found:
                    raise ConversionError(f"Metadata {options} is already specified, cannot use {item}.")
                options, found = dict(item), True
            elif callable(getattr(item, "calculate", None)):
                continue
            else:
                raise ConversionError(f"The metadata for {declared} must be of type kwtypes or HashMethod.")
    return options


def _access() -> Any:
    from flyte_entrypoint.files import data_access

    return data_access()


class NumpyArrayTransformer:
    name = "Numpy Array"

    def handles(self, tp: Any) -> bool:
        return _is_ndarray(_base(tp))

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.blob.format = NUMPY_ARRAY_FORMAT
        lt.blob.dimensionality = types_pb2.BlobType.SINGLE
        return lt

    def _literal(self, uri: str) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        lit.scalar.blob.metadata.type.format = NUMPY_ARRAY_FORMAT
        lit.scalar.blob.metadata.type.dimensionality = types_pb2.BlobType.SINGLE
        lit.scalar.blob.uri = uri
        return lit

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        base = _base(tp)
        if not isinstance(value, base):
            raise ConversionError(f"Expected a numpy.ndarray, got {type(value)}")
        options = _options(tp)
        folder, name = sink.unique_hex(), sink.unique_hex() + ".npy"
        local = paths.join(sink.context.local_sandbox, folder, name)
        try:
            _access().write_array(value, local, bool(options.get("allow_pickle", False)))
        except ConversionError:
            raise
        except Exception as exc:
            raise ConversionError(f"could not save the array: {type(exc).__name__}: {exc}") from exc
        remote = paths.join(sink.context.raw_output_prefix, folder, name)
        sink.plan_upload(Upload(local_path=local, remote=remote, is_directory=False))
        return self._literal(remote)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if literal.WhichOneof("value") != "scalar" or literal.scalar.WhichOneof("value") != "blob":
            raise ConversionError(f"Cannot convert from {literal} to {tp}")
        options = _options(tp)
        uri = literal.scalar.blob.uri
        try:
            return _access().read_array(uri, bool(options.get("allow_pickle", False)), options.get("mmap_mode"))
        except ConversionError:
            raise
        except Exception as exc:
            raise ConversionError(f"could not load the array at {uri}: {type(exc).__name__}: {exc}") from exc


NUMPY_ARRAY = NumpyArrayTransformer()
