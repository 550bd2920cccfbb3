"""flytekit's declarative task settings as immutable records: kept on the task record, never acted on here.

``Resources``, ``Secret``, ``TaskMetadata``, ``Cache``, ``PodTemplate``, the accelerators: a task container
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


@attrs.frozen
class SecurityContext:
    run_as: Any = None
    secrets: Any = None
    tokens: Any = None
    oauth2_client: Any = None


@attrs.frozen
class PodTemplate:
    pod_spec: Any = None
    primary_container_name: str = "primary"
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


@attrs.frozen
class VersionParameters:
    func: Any = None
    container_image: Any = None
    pod_template: Any = None
    pod_template_name: str | None = None


class CachePolicy:
    """Base of cache-version policies (``get_version(salt, params) -> str``)."""

    def get_version(self, salt: str, params: VersionParameters) -> str:
        raise TypeError(f"{type(self).__name__} does not compute a cache version")


@attrs.frozen
class Cache:
    version: str | None = None
    serialize: bool = False
    ignored_inputs: tuple[str, ...] | str = ()
    salt: str = ""
    policies: Any = None


@attrs.frozen
class Labels:
    values: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Annotations:
    values: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Description:
    value: str | None = None
    uri: str | None = None
    icon_link: str | None = None


@attrs.frozen
class SourceCode:
    link: str | None = None


@attrs.frozen
class Documentation:
    short_description: str | None = None
    long_description: Description | None = None
    source_code: SourceCode | None = None


class BaseAccelerator:
    """A GPU/TPU request, by the device name Flyte's backend matches on."""

    def __init__(self, device: str) -> None:
        self._device = device

    @property
    def device(self) -> str:
        return self._device

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._device!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._device == self._device

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._device))


class GPUAccelerator(BaseAccelerator):
    pass


class MultiInstanceGPUAccelerator(BaseAccelerator):
    """A device with partitions (``A100.partition_1g_5gb`` ...): ``partition`` is kept, not interpreted."""

    def __init__(self, device: str, partition: str | None = None) -> None:
        super().__init__(device)
        self.partition = partition

    def __getattr__(self, name: str) -> MultiInstanceGPUAccelerator:
        if name.startswith("partition_"):
            return MultiInstanceGPUAccelerator(self._device, name[len("partition_"):].replace("_", "."))
        raise AttributeError(name)


A10G = GPUAccelerator("nvidia-a10g")
L4 = GPUAccelerator("nvidia-l4")
L4_VWS = GPUAccelerator("nvidia-l4-vws")
L40S = GPUAccelerator("nvidia-l40s")
K80 = GPUAccelerator("nvidia-tesla-k80")
M60 = GPUAccelerator("nvidia-tesla-m60")
P4 = GPUAccelerator("nvidia-tesla-p4")
P100 = GPUAccelerator("nvidia-tesla-p100")
T4 = GPUAccelerator("nvidia-tesla-t4")
V100 = GPUAccelerator("nvidia-tesla-v100")
H100 = GPUAccelerator("nvidia-h100")
H200 = GPUAccelerator("nvidia-h200")
A100 = MultiInstanceGPUAccelerator("nvidia-tesla-a100")
A100_80GB = MultiInstanceGPUAccelerator("nvidia-a100-80gb")
