"""Run-time settings from the environment: SerializationSettings (PROTOCOL §4.2) and StatsConfig (§4, Q9).

All functions are total over any ``Mapping[str, str]``: a malformed value falls back to the default
instead of raising. The one exception is a malformed ``_F_SS_C``, which
:func:`serialization_settings_from_env` reports as a ``Failure`` (flytekit crashes on it).

Laws (``property_tests/test_settings_laws.py``, ``property_tests/test_plan_and_port_laws.py``): every reader is total over any environment;
``parse_config_bool`` is false exactly for ``""`` and the false words; ``parse_port`` is the port for
``1..65535`` and the default otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from returns.result import Result, Success

from flyte_entrypoint.core.env import SERIALIZED_CONTEXT_ENV_VAR, config_bool, get_one_of
from flyte_entrypoint.core.serialized_context import SerializedContextError, decode_serialized_context
from flyte_entrypoint.schemas.settings import (
    DEFAULT_STATSD_HOST,
    DEFAULT_STATSD_PORT,
    FastSerializationSettings,
    Image,
    ImageConfig,
    InvalidImageError,
    SerializationSettings,
    StatsConfig,
)

__all__ = [
    "FLYTE_INTERNAL_IMAGE_ENV_VAR",
    "STATSD_ENV_VARS",
    "fallback_image_config",
    "parse_config_bool",
    "parse_port",
    "runtime_serialization_settings",
    "serialization_settings_from_env",
    "stats_config_from_env",
]

FLYTE_INTERNAL_IMAGE_ENV_VAR = "FLYTE_INTERNAL_IMAGE"

STATSD_ENV_VARS: Mapping[str, tuple[str, str]] = {
    "host": ("FLYTE_STATSD_HOST", "FLYTE_SECRETS_HOST"),
    "port": ("FLYTE_STATSD_PORT", "FLYTE_SECRETS_PORT"),
    "disabled": ("FLYTE_STATSD_DISABLED", "FLYTE_SECRETS_DISABLED"),
    "disable_tags": ("FLYTE_STATSD_DISABLE_TAGS", "FLYTE_SECRETS_DISABLE_TAGS"),
}
"""StatsConfig field → (our documented alias, flytekit's real name). The first non-empty one wins."""

parse_config_bool = config_bool
"""Config-entry booleans (flytekit's ``bool_transformer``): true when non-empty and not one of
``false``/``0``/``off``/``no``, case-insensitive. (``core.env.config_bool`` also ignores surrounding
whitespace, which flytekit does not: ``" false"`` is true there.)"""


# ------------------------------------------------------------------------------------------- statsd


def parse_port(value: str, default: int = DEFAULT_STATSD_PORT) -> int:
    """A TCP/UDP port 1..65535 (``int()`` syntax, so surrounding spaces are fine), else ``default``.

    flytekit keeps an unparsable value as a string (the statsd client then fails to resolve it and the
    task crashes at start-up) and silently replaces ``0`` by the default; here anything that is not a
    usable port gives the default.
    """
    try:
        port = int(value)
    except ValueError:
        return default
    return port if 0 < port < 65536 else default


def stats_config_from_env(env: Mapping[str, str]) -> StatsConfig:
    """StatsConfig from ``FLYTE_STATSD_*`` or, as flytekit reads it, ``FLYTE_SECRETS_*`` (quirk Q9).

    flytekit's StatsD config section is misnamed ``secrets``, so the variables it really reads are
    ``FLYTE_SECRETS_HOST``, ``FLYTE_SECRETS_PORT``, ``FLYTE_SECRETS_DISABLED`` and
    ``FLYTE_SECRETS_DISABLE_TAGS``; those keep working. The matching ``FLYTE_STATSD_*`` names are
    accepted as documented aliases and **win** field by field when both are set (non-empty): someone who
    sets the specific name did so on purpose, while the ``FLYTE_SECRETS_*`` ones may be platform-wide.

    An empty value counts as unset (flytekit: empty host/port → default, empty flag → False, which is
    the default too). Booleans follow :data:`parse_config_bool`; ports :func:`parse_port`. Config-file
    values (flytekit's ``[secrets]`` section) are not read here.
    """
    host = get_one_of(env, *STATSD_ENV_VARS["host"]) or DEFAULT_STATSD_HOST
    port_text = get_one_of(env, *STATSD_ENV_VARS["port"])
    disabled = get_one_of(env, *STATSD_ENV_VARS["disabled"])
    disable_tags = get_one_of(env, *STATSD_ENV_VARS["disable_tags"])
    return StatsConfig(
        host=host,
        port=parse_port(port_text) if port_text else DEFAULT_STATSD_PORT,
        disabled=parse_config_bool(disabled),
        disabled_tags=parse_config_bool(disable_tags),
    )


# ------------------------------------------------------------------------------ serialization settings


def fallback_image_config(
    env: Mapping[str, str], config_images: Mapping[str, str] | None = None
) -> ImageConfig:
    """The image config used when there is no ``_F_SS_C``.

    The config file's ``[images]`` entries (tag optional) become the named images, as in flytekit's
    ``ImageConfig.auto()``. Following PROTOCOL §4.2, ``FLYTE_INTERNAL_IMAGE`` (when set and a valid
    reference with a tag or digest) becomes the default image; flytekit 1.16.31 itself leaves the
    default image empty here, so a dynamic task without ``_F_SS_C`` fails there with "An image is
    required for PythonAutoContainer tasks" while it works here.
    """
    internal_image = env.get(FLYTE_INTERNAL_IMAGE_ENV_VAR)
    default: Image | None = None
    if internal_image:
        try:
            default = Image.look_up_image_info("default", internal_image)
        except InvalidImageError:
            default = None
    others = [
        Image.look_up_image_info(k, v, allow_no_tag_or_digest=True) for k, v in (config_images or {}).items()
    ]
    return ImageConfig.create_from(default, others)


def runtime_serialization_settings(
    base: SerializationSettings | None,
    env: Mapping[str, str],
    dynamic_addl_distro: str | None = None,
    dynamic_dest_dir: str | None = None,
    config_images: Mapping[str, str] | None = None,
) -> SerializationSettings:
    """The settings a dynamic/eager task serializes with (PROTOCOL §4.2).

    * ``base``: the decoded ``_F_SS_C``, or None → a fresh settings over :func:`fallback_image_config`;
    * project/domain: the base's unless empty, else the execution project/domain;
    * version: **always** the task version (``""`` when unset, as flytekit);
    * ``dynamic_addl_distro`` non-empty → fast serialization ``(True, dynamic_dest_dir, distro)``.

    Environment names follow get-one-of with an empty value counting as unset (Q17).
    """
    ss = (
        base
        if base is not None
        else SerializationSettings(image_config=fallback_image_config(env, config_images))
    )
    exe_project = get_one_of(env, "FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ")
    exe_domain = get_one_of(env, "FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM")
    task_version = get_one_of(env, "FLYTE_INTERNAL_TASK_VERSION", "_F_TK_V")
    fast = ss.fast_serialization_settings
    if dynamic_addl_distro:
        fast = FastSerializationSettings(
            enabled=True, destination_dir=dynamic_dest_dir, distribution_location=dynamic_addl_distro
        )
    return attrs.evolve(
        ss,
        project=ss.project or exe_project,
        domain=ss.domain or exe_domain,
        version=task_version,
        fast_serialization_settings=fast,
    )


def serialization_settings_from_env(
    env: Mapping[str, str],
    dynamic_addl_distro: str | None = None,
    dynamic_dest_dir: str | None = None,
    config_images: Mapping[str, str] | None = None,
) -> Result[SerializationSettings, SerializedContextError]:
    """Decode ``_F_SS_C`` when it is set and non-empty, then apply :func:`runtime_serialization_settings`."""
    encoded = env.get(SERIALIZED_CONTEXT_ENV_VAR, "")
    base: Result[SerializationSettings | None, SerializedContextError] = (
        decode_serialized_context(encoded) if encoded else Success(None)
    )
    return base.map(
        lambda b: runtime_serialization_settings(b, env, dynamic_addl_distro, dynamic_dest_dir, config_images)
    )
