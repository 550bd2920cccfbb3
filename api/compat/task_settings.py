"""The rarer declarative settings of flytekit tasks and entities (pod templates, cache policies, labels,
documentation): immutable records with flytekit's fields, kept and never acted on by this entrypoint.

Separate from :mod:`flyte_entrypoint.compat.resources` so that a module using only ``Resources`` does not pay
for building these classes at start-up.
"""

from __future__ import annotations

from typing import Any

import attrs


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
