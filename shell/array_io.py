"""Saving and loading ``numpy.ndarray`` values as ``.npy`` files (flytekit's NumpyArray blobs).

Reached from the type engine through the data-access hook (``StorageDataAccess.write_array`` / ``read_array``);
numpy is imported only here, on first use.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["load_npy", "save_npy"]


def save_npy(value: Any, local_file: str, allow_pickle: bool) -> None:
    import numpy

    os.makedirs(os.path.dirname(local_file) or ".", exist_ok=True)
    numpy.save(file=local_file, arr=value, allow_pickle=allow_pickle)


def load_npy(local_file: str, allow_pickle: bool, mmap_mode: Any) -> Any:
    import numpy

    return numpy.load(file=local_file, allow_pickle=allow_pickle, mmap_mode=mmap_mode)
