"""flytekit's ``SQLite3Task``/``SQLite3Config``.

Declared and callable in a local run: the database is fetched (a path or an http(s) URL; a ``.zip`` when
``compressed``), the query template is filled in with flytekit's ``{{ .inputs.name }}`` syntax and the result
comes back as a pandas DataFrame. In a container, flytekit registers it as a customized-container task that
its own sqlite3 image runs (``default_task_template_resolver``): that resolver is refused with a clear error.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from typing import Any

_INPUT = re.compile(r"{{\s*.inputs.(\w+)\s*}}", re.IGNORECASE)  # flytekit's pattern (its dots match any character)


@dataclass
class SQLite3Config:
    uri: str
    compressed: bool = False


def fill_template(template: str, inputs: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in inputs:
            raise ValueError(f"Variable {name} in Query (part of {template}) not found in inputs {list(inputs)}")
        return str(inputs[name])

    return _INPUT.sub(value, template)


class SQLite3Task:
    task_type = "sqlite"

    def __init__(self, name: str, query_template: str, inputs: dict[str, type] | None = None,
                 task_config: SQLite3Config | None = None, output_schema_type: Any = None,
                 container_image: str | None = None, **kwargs: Any) -> None:
        if task_config is None or task_config.uri is None:
            raise ValueError("SQLite DB uri is required.")
        self.name = name
        self.query_template = re.sub(r"\s+", " ", query_template.replace("\n", " ").replace("\t", " ")).strip()
        self.inputs = dict(inputs or {})
        self.task_config = task_config
        self.output_schema_type = output_schema_type
        self.config = dict(kwargs, container_image=container_image)

    def as_unsupported(self) -> Any:
        from flyte_entrypoint.schemas.task import UnsupportedTask

        return UnsupportedTask(self.name, "SQLite3Task runs in flytekit's sqlite3 image (customized container)")

    def __call__(self, **kwargs: Any) -> Any:
        import pandas as pd

        with tempfile.TemporaryDirectory() as temp:
            local = os.path.join(temp, "sqlite3.db")
            uri = self.task_config.uri
            if uri.startswith(("http://", "https://")):
                with urllib.request.urlopen(uri) as response, open(local, "wb") as out:
                    shutil.copyfileobj(response, out)
            else:
                shutil.copyfile(uri, local)
            if self.task_config.compressed:
                with zipfile.ZipFile(local) as archive:
                    members = [m for m in archive.namelist() if not m.endswith("/")]
                    archive.extract(members[0], temp)
                local = os.path.join(temp, members[0])
            connection = sqlite3.connect(local)
            try:
                return pd.read_sql_query(fill_template(self.query_template, kwargs), connection)
            finally:
                connection.close()


