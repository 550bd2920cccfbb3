"""flytekit's pre-formatted ``FlyteFile`` / ``FlyteDirectory`` aliases (``flytekit.types.file`` / ``.directory``).

Each alias is ``FlyteFile[<format>]`` (or ``FlyteDirectory[<format>]``), so the blob type's ``format`` is exactly the
string flytekit 1.16 writes: the ``FileExt`` text for files (``CSVFile`` -> ``csv``, ``TFRecordFile`` ->
``tfrecord``), the ``TypeVar`` name for directories (``TensorboardLogs`` -> ``tensorboard``). ``FlyteFile[fmt]``
returns one class per format, so ``CSVFile is FlyteFile["csv"]``: an alias and the spelled-out type are the same
class, and values of one pass as the other.
"""

from __future__ import annotations

import typing
from typing import Annotated

from flyte_entrypoint.files import FileExt, FlyteDirectory, FlyteFile

__all__ = [
    "CSVFile",
    "HDF5EncodedFile",
    "HTMLPage",
    "JPEGImageFile",
    "JSONLFile",
    "JoblibSerializedFile",
    "ONNXFile",
    "PDFFile",
    "PNGImageFile",
    "PythonNotebook",
    "PythonPickledFile",
    "SVGImageFile",
    "TFRecordFile",
    "TFRecordsDirectory",
    "TensorboardLogs",
]

# the format markers, spelled as flytekit spells them (file formats as FileExt, directory formats as TypeVars)
hdf5 = Annotated[str, FileExt("hdf5")]
html = Annotated[str, FileExt("html")]
joblib = Annotated[str, FileExt("joblib")]
jpeg = Annotated[str, FileExt("jpeg")]
pdf = Annotated[str, FileExt("pdf")]
png = Annotated[str, FileExt("png")]
python_pickle = Annotated[str, FileExt("python_pickle")]
ipynb = Annotated[str, FileExt("ipynb")]
svg = Annotated[str, FileExt("svg")]
csv = Annotated[str, FileExt("csv")]
onnx = Annotated[str, FileExt("onnx")]
tfrecords_file = Annotated[str, FileExt("tfrecord")]
jsonl_file = Annotated[str, FileExt("jsonl")]
tensorboard = typing.TypeVar("tensorboard")
tfrecords_dir = typing.TypeVar("tfrecords_dir")

HDF5EncodedFile = FlyteFile[hdf5]
HTMLPage = FlyteFile[html]
JoblibSerializedFile = FlyteFile[joblib]
JPEGImageFile = FlyteFile[jpeg]
PDFFile = FlyteFile[pdf]
PNGImageFile = FlyteFile[png]
PythonPickledFile = FlyteFile[python_pickle]
PythonNotebook = FlyteFile[ipynb]
SVGImageFile = FlyteFile[svg]
CSVFile = FlyteFile[csv]
ONNXFile = FlyteFile[onnx]
TFRecordFile = FlyteFile[tfrecords_file]
JSONLFile = FlyteFile[jsonl_file]

TensorboardLogs = FlyteDirectory[tensorboard]
TFRecordsDirectory = FlyteDirectory[tfrecords_dir]
