"""Where a task's secret is looked up (PROTOCOL §8.1), as pure functions.

For ``(group, key, group_version)`` with the None/empty parts skipped:

* env var: ``<env_prefix>`` + ``"_".join(UPPER(part))``, e.g. ``_FSEC_MYGROUP_MYKEY``. During a task
  execution only this prefixed name is tried; locally the unprefixed ``MYGROUP_MYKEY`` is tried too;
* file: ``<default_dir>/<lower group>/<lower group_version>/<file_prefix><lower key>`` (POSIX join, so
  as in flytekit an absolute part restarts the path).

The config comes from ``FLYTE_SECRETS_ENV_PREFIX`` (default ``_FSEC_``), ``FLYTE_SECRETS_DEFAULT_DIR``
(``/etc/secrets``) and ``FLYTE_SECRETS_FILE_PREFIX`` (``""``); an empty value means the default and
values are stripped of surrounding whitespace, as flytekit's ``SecretsManager`` does.

Laws (``property_tests/test_secrets_laws.py``): with ``parts`` the non-empty ones of
``(group, group_version, key)``, a lookup fails exactly when ``parts`` is empty; otherwise its env vars
are ``prefix + "_".join(UPPER(parts))``, followed (local runs only, and only if different) by the
unprefixed name, and its file is ``posixpath.join(default_dir, *lower(parts[:-1]), file_prefix +
lower(parts[-1]))``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

import attrs
from returns.result import Failure, Result, Success

from flyte_entrypoint.schemas.settings import DEFAULT_SECRETS_DIR, DEFAULT_SECRETS_ENV_PREFIX, SecretsConfig

__all__ = [
    "InvalidSecretNameError",
    "SecretLookup",
    "SecretNotFoundError",
    "SecretsError",
    "not_found_message",
    "plan_secret_lookup",
    "secret_env_var",
    "secret_file_path",
    "secret_name_parts",
    "secrets_config_from_env",
]


class SecretsError(ValueError):
    """Base of the secret lookup errors (a ``ValueError``, like flytekit's)."""


class InvalidSecretNameError(SecretsError):
    """None of group, group_version and key was given."""


class SecretNotFoundError(SecretsError):
    """No env var and no file holds the secret. The message names where we looked, never a value."""


@attrs.frozen
class SecretLookup:
    """The places to look for one secret, in order: the env vars, then the file."""

    env_vars: tuple[str, ...]
    file_path: str


def secrets_config_from_env(env: Mapping[str, str]) -> SecretsConfig:
    """SecretsConfig from ``FLYTE_SECRETS_{ENV_PREFIX,DEFAULT_DIR,FILE_PREFIX}`` (empty → default)."""
    return SecretsConfig(
        env_prefix=(env.get("FLYTE_SECRETS_ENV_PREFIX") or DEFAULT_SECRETS_ENV_PREFIX).strip(),
        default_dir=(env.get("FLYTE_SECRETS_DEFAULT_DIR") or DEFAULT_SECRETS_DIR).strip(),
        file_prefix=(env.get("FLYTE_SECRETS_FILE_PREFIX") or "").strip(),
    )


def secret_name_parts(group: str | None, key: str | None, group_version: str | None) -> tuple[str, ...]:
    """``(group, group_version, key)`` without the None/empty ones, in that order."""
    return tuple(p for p in (group, group_version, key) if p)


def secret_env_var(
    group: str | None, key: str | None, group_version: str | None = None, env_prefix: str = ""
) -> str:
    """``env_prefix + "_".join(UPPER(parts))``."""
    return env_prefix + "_".join(p.upper() for p in secret_name_parts(group, key, group_version))


def secret_file_path(
    group: str | None, key: str | None, group_version: str | None, default_dir: str, file_prefix: str = ""
) -> Result[str, InvalidSecretNameError]:
    """``default_dir/<lower parts>`` with ``file_prefix`` before the last part."""
    parts = [p.lower() for p in secret_name_parts(group, key, group_version)]
    if not parts:
        return Failure(InvalidSecretNameError("A secret needs at least a group or a key"))
    parts[-1] = file_prefix + parts[-1]
    return Success(posixpath.join(default_dir, *parts))


def plan_secret_lookup(
    group: str | None,
    key: str | None,
    group_version: str | None,
    cfg: SecretsConfig,
    task_execution: bool = True,
) -> Result[SecretLookup, InvalidSecretNameError]:
    """Where to look, in order. ``task_execution=False`` (local runs) adds the unprefixed env var."""
    env_vars = [secret_env_var(group, key, group_version, cfg.env_prefix)]
    if not task_execution:
        unprefixed = secret_env_var(group, key, group_version)
        if unprefixed not in env_vars:
            env_vars.append(unprefixed)
    return secret_file_path(group, key, group_version, cfg.default_dir, cfg.file_prefix).map(
        lambda path: SecretLookup(env_vars=tuple(env_vars), file_path=path)
    )


def not_found_message(group: str | None, key: str | None, lookup: SecretLookup) -> str:
    """The text of :class:`SecretNotFoundError`: what to declare and where we looked (no values)."""
    env_text = " or ".join(lookup.env_vars)
    return (
        f"Unable to find secret for key {key} in group {group}: no env var {env_text} and no file "
        f"{lookup.file_path}. Please make sure to add secret_requests=[Secret(group={group}, key={key})] "
        "in @task."
    )
