"""Flyte identifiers as immutable records (their ``str`` forms match flytekit's)."""

from __future__ import annotations

import attrs

TASK = "TASK"


@attrs.frozen
class WorkflowExecutionIdentifier:
    project: str = ""
    domain: str = ""
    name: str = ""

    def __str__(self) -> str:
        return f"ex:{self.project}:{self.domain}:{self.name}"


@attrs.frozen
class Identifier:
    resource_type: str = TASK
    project: str = ""
    domain: str = ""
    name: str = ""
    version: str = ""

    def __str__(self) -> str:
        return f"{self.resource_type}:{self.project}:{self.domain}:{self.name}:{self.version}"
