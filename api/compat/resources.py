"""flytekit's declarative task settings as immutable records: kept on the task record, never acted on here.

``Resources``, ``Secret``, ``TaskMetadata`` (the others: ``task_settings``, ``accelerators``): a task container
does not enforce any of them (Flyte's backend does, from the registered task template), but modules pass
them at import time and may read them back, so they exist with flytekit's fields and defaults.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

import attrs


@attrs.frozen(kw_only=False)
class Resources:
    """``Resources(cpu="1", mem="2Gi", gpu=..., ephemeral_storage=...)``; a value may be a ``(request, limit)``
    pair, as in flytekit."""

    cpu: Any = None
    mem: Any = None
    gpu: Any = None
    ephemeral_storage: Any = None

    def __attrs_post_init__(self) -> None:
        for name in ("cpu", "mem", "gpu"):
            value = getattr(self, name)
            if isinstance(value, list | tuple) and len(value) != 2:
                raise ValueError(f"{name} must be a single value or a (request, limit) pair, got {value!r}")
            if value is not None and not isinstance(value, str | int | float | list | tuple):
                raise AssertionError(f"{name} should be of type str or int or float or list or tuple")


class _MountType(enum.Enum):
    ANY = 0
    ENV_VAR = 1
    FILE = 2


@attrs.frozen
class Secret:
    """A secret request; task code reads it with ``current_context().secrets.get(group, key)``."""

    MountType = _MountType

    group: str | None = None
    key: str | None = None
    group_version: str | None = None
    mount_requirement: _MountType = _MountType.ANY
    env_var: str | None = None


@attrs.frozen
class TaskMetadata:
    cache: bool = False
    cache_serialize: bool = False
    cache_version: str = ""
    cache_ignore_input_vars: tuple[str, ...] = ()
    interruptible: bool | None = None
    deprecated: str = ""
    retries: int = 0
    timeout: datetime.timedelta | int | None = None
    pod_template_name: str | None = None
    generates_deck: bool = False
    is_eager: bool = False
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
