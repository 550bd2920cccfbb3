"""``ImageConfig`` and ``StatsConfig`` with flytekit's environment-reading constructors.

The records and their pure methods are ``schemas.settings``; flytekit also gives them ``auto()``
(environment variables, a config file), ``auto_default_image()`` (the interpreter's version) and a click
callback ``validate_image(_, param, values)``. Those read the outside world, so they live here, on
subclasses that compare equal to the records with the same values.

Config files (``FLYTECTL_CONFIG``/``~/.flyte/config.yaml``) are not read: a task container's settings
come from the environment. ``config_file`` is accepted and ignored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import attrs

from flyte_entrypoint.schemas import settings as records

_DEFAULT_IMAGE_PREFIX = "cr.flyte.org/flyteorg/flytekit:py{major}.{minor}-"


def default_image() -> str:
    """flytekit's ``DefaultImages.default_image()``: ``FLYTE_INTERNAL_IMAGE``, else flytekit's image for
    this interpreter (tag ``latest``: there is no flytekit version to match)."""
    internal = os.environ.get("FLYTE_INTERNAL_IMAGE")
    if internal:
        return internal
    return _DEFAULT_IMAGE_PREFIX.format(major=sys.version_info.major, minor=sys.version_info.minor) + "latest"


def _same_values(a: Any, b: Any, base: type[Any]) -> bool:
    return all(getattr(a, f.name) == getattr(b, f.name) for f in attrs.fields(base))


class ImageConfig(records.ImageConfig):
    """flytekit's ``ImageConfig``; see ``schemas.settings.ImageConfig`` for the record."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, records.ImageConfig):
            return NotImplemented
        return _same_values(self, other, records.ImageConfig)

    __hash__ = records.ImageConfig.__hash__

    @classmethod
    def auto(cls, config_file: Any = None, img_name: str | None = None) -> ImageConfig:
        """The default image from ``img_name`` (tag or digest required); no other images (no config file)."""
        base = records.ImageConfig.from_images(img_name or None, {})
        return cls(default_image=base.default_image, images=base.images)

    @classmethod
    def auto_default_image(cls) -> ImageConfig:
        return cls.auto(img_name=default_image())

    @staticmethod
    def validate_image(_: Any, param: str, values: Sequence[str]) -> records.ImageConfig:  # type: ignore[override]
        """Click callback: ``name=uri`` or a bare ``uri`` (the default image, at most one); without a default,
        ``default_image()`` is used."""
        base = records.ImageConfig.validate_image(values, default_image(), param)
        return ImageConfig(default_image=base.default_image, images=base.images)


class StatsConfig(records.StatsConfig):
    """flytekit's ``StatsConfig``; ``auto()`` reads ``FLYTE_STATSD_*``/``FLYTE_SECRETS_*`` (Q9)."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, records.StatsConfig):
            return NotImplemented
        return _same_values(self, other, records.StatsConfig)

    __hash__ = records.StatsConfig.__hash__

    @classmethod
    def auto(cls, config_file: Any = None) -> StatsConfig:
        from flyte_entrypoint.core.settings_rules import stats_config_from_env

        cfg = stats_config_from_env(os.environ)
        return cls(host=cfg.host, port=cfg.port, disabled=cfg.disabled, disabled_tags=cfg.disable_tags)
