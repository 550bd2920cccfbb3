"""flytekit's ``ImageSpec``: the same fields, defaults and ``id``, so ``is_container()`` agrees with flytekit.

Modules guard heavy imports with ``if image.is_container(): import pandas``. flytekit answers by comparing
``_F_IMG_ID`` (set on the pod at registration) with the spec's ``id`` while a task executes, and answers True
in a local run. The ``id`` is md5 → urlsafe base64 (no padding) of ``str()`` of the spec's ``asdict`` without
``None`` values and without ``pip_secret_mounts``, ``builder`` and ``runtime_packages``; field order, the
``__post_init__`` normalisations (lower-cased name and registry, default platform) and the enum repr of
``source_copy_mode`` all enter that string, so they are kept exactly (differential-tested against flytekit).
Building images is not this package's job: ``exist()`` and the builders are not provided.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, Optional, Union

_F_IMG_ID = "_F_IMG_ID"
_REGISTRY = re.compile(r"^(localhost:\d{1,5}|([a-z\d\._-]+)(:\d{1,5})?)(/[\w\.-]+)*$")
_LIST_OF_STR = (
    "packages", "conda_channels", "conda_packages", "apt_packages", "pip_extra_index_url", "entrypoint",
    "commands", "runtime_packages",
)
_NOT_IN_ID = ("pip_secret_mounts", "builder", "runtime_packages")


def _arm_machine() -> bool:
    import platform

    return platform.machine().lower() in ("arm64", "aarch64")


class CopyFileDetection(enum.Enum):
    LOADED_MODULES = 1
    ALL = 2
    NO_COPY = 3


@dataclass
class ImageSpec:
    name: str = "flytekit"
    python_version: Optional[str] = None
    builder: Optional[str] = None
    source_root: Optional[str] = None
    env: Optional[dict[str, str]] = None
    registry: Optional[str] = None
    packages: Optional[list[str]] = None
    conda_packages: Optional[list[str]] = None
    conda_channels: Optional[list[str]] = None
    requirements: Optional[str] = None
    apt_packages: Optional[list[str]] = None
    cuda: Optional[str] = None
    cudnn: Optional[str] = None
    base_image: Optional[Union[str, ImageSpec]] = None
    platform: Optional[str] = None
    pip_index: Optional[str] = None
    pip_extra_index_url: Optional[list[str]] = None
    pip_secret_mounts: Optional[list[tuple[str, str]]] = None
    pip_extra_args: Optional[str] = None
    registry_config: Optional[str] = None
    entrypoint: Optional[list[str]] = None
    commands: Optional[list[str]] = None
    tag_format: Optional[str] = None
    source_copy_mode: Optional[CopyFileDetection] = None
    copy: Optional[list[str]] = None
    python_exec: Optional[str] = None
    runtime_packages: Optional[list[str]] = None
    builder_options: Optional[dict[str, Any]] = None
    builder_config: Optional[dict[str, Any]] = None

    def __post_init__(self) -> None:
        self.name = self.name.lower()
        if self.registry:
            self.registry = self.registry.lower()
            if not _REGISTRY.match(self.registry):
                raise ValueError(
                    f"Invalid container registry name: '{self.registry}'.\n Expected formats:\n"
                    "- 'localhost:30000' (for local registries)\n"
                    "- 'ghcr.io/username' (for GitHub Container Registry)\n"
                    "- 'docker.io/username' (for docker hub)\n"
                )
        if self.platform is None:
            local = bool(self.registry) and str(self.registry).lower().startswith("localhost:")
            self.platform = "linux/arm64" if (local and _arm_machine()) else "linux/amd64"
        if self.source_root is not None:
            self.source_copy_mode = self.source_copy_mode or CopyFileDetection.LOADED_MODULES
        for parameter in _LIST_OF_STR:
            value = getattr(self, parameter)
            if not (value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise ValueError(f"{parameter} must be a list of strings or None")
        mounts = self.pip_secret_mounts
        if mounts is not None and not (
            isinstance(mounts, list)
            and all(isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, str) for x in v) for v in mounts)
        ):
            raise ValueError("pip_secret_mounts must be a list of tuples of two strings or None")
        if self.builder_options is not None and not isinstance(self.builder_options, dict):
            raise ValueError("builder_options must be a dictionary or None")

    @cached_property
    def id(self) -> str:
        import base64
        import hashlib

        as_dict = asdict(self, dict_factory=lambda x: {k: v for (k, v) in x if v is not None and k not in _NOT_IN_ID})
        digest = hashlib.md5(str(as_dict).encode("utf-8")).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def __hash__(self) -> int:
        return hash(self.id)

    def is_container(self) -> bool:
        """In a task container (our commands): ``_F_IMG_ID == self.id``; in a local run: True."""
        from flyte_entrypoint.compat.finder import in_task_container

        if in_task_container():
            return os.environ.get(_F_IMG_ID) == self.id
        return True

    @cached_property
    def tag(self) -> str:
        """The image tag for specs without source copying (``copy``/``source_root`` need flytekit's tooling)."""
        import copy
        import hashlib
        import pathlib

        if (self.source_copy_mode not in (None, CopyFileDetection.NO_COPY)) or self.copy:
            raise TypeError("ImageSpec.tag with copied sources needs flytekit's image tooling")
        spec = copy.deepcopy(self)
        if isinstance(spec.base_image, ImageSpec):
            spec = dataclasses.replace(spec, base_image=spec.base_image.image_name())
        if spec.requirements:
            text = pathlib.Path(spec.requirements).read_bytes().strip()
            spec = dataclasses.replace(spec, requirements=hashlib.sha1(text).hexdigest())
        spec = dataclasses.replace(spec, registry_config=None)
        tag = spec.id.replace("-", "_")
        return self.tag_format.format(spec_hash=tag) if self.tag_format else tag

    def image_name(self) -> str:
        name = f"{self.name}:{self.tag}"
        return f"{self.registry}/{name}" if self.registry else name

    def exist(self) -> Optional[bool]:
        raise TypeError("ImageSpec.exist() needs a docker client and flytekit's builders; not provided here")

    def _update_attribute(self, attr_name: str, values: Any) -> ImageSpec:
        import copy

        current = copy.deepcopy(getattr(self, attr_name))
        if current is None:
            current = {} if isinstance(values, dict) else []
        if isinstance(values, str):
            if not isinstance(current, list):
                raise TypeError(f"Cannot append string to non-list attribute {attr_name}")
            current.append(values)
        elif isinstance(values, list):
            if not isinstance(current, list):
                raise TypeError(f"Cannot extend non-list attribute {attr_name}")
            current.extend(values)
        elif isinstance(values, dict):
            if not isinstance(current, dict):
                raise TypeError(f"Cannot update non-dict attribute {attr_name}")
            current.update(values)
        return dataclasses.replace(self, **{attr_name: current})

    def with_commands(self, commands: Union[str, list[str]]) -> ImageSpec:
        return self._update_attribute("commands", commands)

    def with_packages(self, packages: Union[str, list[str]]) -> ImageSpec:
        return self._update_attribute("packages", packages)

    def with_apt_packages(self, apt_packages: Union[str, list[str]]) -> ImageSpec:
        return self._update_attribute("apt_packages", apt_packages)

    def with_copy(self, src: Union[str, list[str]]) -> ImageSpec:
        return self._update_attribute("copy", src)

    def with_runtime_packages(self, runtime_packages: list[str]) -> ImageSpec:
        return self._update_attribute("runtime_packages", runtime_packages)

    def with_builder_options(self, builder_options: dict[str, Any]) -> ImageSpec:
        return self._update_attribute("builder_options", builder_options)

    def force_push(self) -> ImageSpec:
        import copy

        return copy.deepcopy(self)

    @classmethod
    def from_env(cls, *, pinned_packages: Optional[list[str]] = None, **kwargs: Any) -> ImageSpec:
        import sys
        from importlib.metadata import version

        if kwargs.get("python_version") is not None:
            raise ValueError("python_version can not be used with `from_env` because it will be inferred from the environment")
        packages = list(kwargs.pop("packages", []))
        for package in pinned_packages or []:
            packages.append(f"{package}=={version(package)}")
        return cls(packages=packages, python_version=f"{sys.version_info.major}.{sys.version_info.minor}", **kwargs)
