"""``FlyteSchema``: flytekit's legacy (deprecated) dataframe type, read and written as flytekit 1.16 does.

``FlyteSchema[kwtypes(a=int, b=str)]`` declares columns (``schema { columns { name type } }``). A schema object owns
a local folder (``local_path``) and a destination (``remote_path``, by default ``<raw output prefix>/<random>``):
``open().write(df, ...)`` writes each frame as one parquet file ``00000``, ``00001``... into the folder, which is
uploaded to ``remote_path`` when the schema is returned from a task. A task input is a read-only schema whose
folder is fetched on the first ``open().all()`` / ``.iter()``. A ``pandas.DataFrame`` returned for a
``FlyteSchema`` output is written the same way. Only pandas frames and the parquet format exist, as in flytekit.
New code should use ``StructuredDataset``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["FlyteSchema", "SchemaFormat", "SchemaOpenMode"]


class SchemaFormat(enum.Enum):
    PARQUET = "parquet"


class SchemaOpenMode(enum.Enum):
    READ = "r"
    WRITE = "w"


def _access() -> Any:
    from flyte_entrypoint.files import data_access

    return data_access()


class FlyteSchema:
    """A folder of parquet files with declared columns (see the module docstring)."""

    _columns: ClassVar[dict[str, type]] = {}
    _format: ClassVar[SchemaFormat] = SchemaFormat.PARQUET
    _variants: ClassVar[dict[tuple[Any, ...], type[FlyteSchema]]] = {}

    @classmethod
    def columns(cls) -> dict[str, type]:
        return dict(cls._columns)

    @classmethod
    def column_names(cls) -> list[str]:
        return list(cls._columns)

    @classmethod
    def format(cls) -> SchemaFormat:
        return cls._format

    def __class_getitem__(cls, columns: Any, fmt: SchemaFormat = SchemaFormat.PARQUET) -> Any:
        if columns is None:
            return FlyteSchema
        if not isinstance(columns, dict):
            raise AssertionError(
                "Columns should be specified as an ordered dict of column names and their types, "
                f"received {type(columns)}"
            )
        if len(columns) == 0:
            return FlyteSchema
        key = (tuple(columns.items()), fmt)
        found = FlyteSchema._variants.get(key)
        if found is None:
            found = type("_TypedSchema", (FlyteSchema,), {"_columns": dict(columns), "_format": fmt})
            FlyteSchema._variants[key] = found
        return found

    @classmethod
    def _from_remote(cls, local_path: str, remote_path: str) -> FlyteSchema:
        """A task input: the read-only schema stored at ``remote_path``, fetched into ``local_path`` on first
        ``open()`` through the run's data access (used by the type engine, which does no I/O)."""
        return cls(local_path=local_path, remote_path=remote_path, supported_mode=SchemaOpenMode.READ)

    def __init__(
        self,
        local_path: str | None = None,
        remote_path: str | None = None,
        supported_mode: SchemaOpenMode = SchemaOpenMode.WRITE,
        downloader: Callable[[str, str], Any] | None = None,
    ) -> None:
        if supported_mode == SchemaOpenMode.READ and remote_path is None:
            raise ValueError("To create a FlyteSchema in read mode, remote_path is required")
        self._local_path = local_path or _access().new_local_path()
        self.remote_path = remote_path or _access().new_remote_path()
        self._supported_mode = supported_mode
        self._downloaded = False
        self._downloader = downloader

    @property
    def local_path(self) -> str:
        return self._local_path

    @property
    def supported_mode(self) -> SchemaOpenMode:
        return self._supported_mode

    def open(self, dataframe_fmt: type | None = None, override_mode: SchemaOpenMode | None = None) -> Any:
        """A writer (write mode) or a reader (read mode, the folder fetched first) for pandas frames."""
        if override_mode and self._supported_mode == SchemaOpenMode.READ and override_mode == SchemaOpenMode.WRITE:
            raise AssertionError("Readonly schema cannot be opened in write mode!")
        if dataframe_fmt is not None and not (
            dataframe_fmt.__name__ == "DataFrame" and dataframe_fmt.__module__.split(".")[0] == "pandas"
        ):
            raise ValueError(f"DataFrames of type {dataframe_fmt} are not supported currently")
        mode = override_mode or self._supported_mode
        if self._supported_mode == SchemaOpenMode.READ and not self._downloaded:
            if self._downloader is not None:
                self._downloader(self.remote_path, self.local_path)
            else:
                self._local_path = _access().download(self.remote_path, self.local_path, True)
            self._downloaded = True
        from flyte_entrypoint.shell import schema_io as io  # the I/O lives in the shell (api sits above it)

        if mode == SchemaOpenMode.WRITE:
            return io.SchemaWriter(self.local_path, self.columns(), self.format())
        return io.SchemaReader(self.local_path, self.columns(), self.format())

    def as_readonly(self) -> FlyteSchema:
        if self._supported_mode == SchemaOpenMode.READ:
            return self
        cls: type[FlyteSchema] = FlyteSchema.__class_getitem__(self.columns(), self.format())
        s = cls(local_path=self.local_path, remote_path=self.remote_path or "", supported_mode=SchemaOpenMode.READ)
        s._downloaded = True
        return s

    def __repr__(self) -> str:
        return f"FlyteSchema(local_path={self._local_path!r}, remote_path={self.remote_path!r})"

    # ---- pydantic: a field of this type inside a BaseModel is stored as flytekit's {"remote_path": uri} ----
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from flyte_entrypoint.core.type_engine import pydantic_model

        return pydantic_model.leaf_core_schema(cls)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        from flyte_entrypoint.core.type_engine import pydantic_model

        return pydantic_model.leaf_json_schema(cls)
