"""``ctx.secrets``: resolves a task's secrets from env vars, then mounted files (PROTOCOL §8.1).

The lookup rules are pure (``flyte_entrypoint.core.secrets_rules``); this object only reads the
environment mapping and the file system. Values are stripped of surrounding whitespace. A secret that
is found nowhere raises :class:`SecretNotFoundError` (a ``ValueError``) naming the env var(s) and file
tried; no secret value ever appears in a message or a ``repr``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Literal, overload

from returns.result import Failure

from flyte_entrypoint.core.secrets_rules import (
    InvalidSecretNameError,
    SecretLookup,
    SecretNotFoundError,
    not_found_message,
    plan_secret_lookup,
    secret_env_var,
    secret_file_path,
    secrets_config_from_env,
)
from flyte_entrypoint.schemas.settings import SecretsConfig

__all__ = ["InvalidSecretNameError", "SecretNotFoundError", "SecretsManager", "read_file_bytes"]


def read_file_bytes(path: str) -> bytes | None:
    """The file's bytes, or None when there is no such file (a directory in the way counts as absent)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def _text(data: bytes) -> str:
    """Decode like a text-mode ``open``: UTF-8 with universal newlines."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


class _GroupSecrets:
    """``ctx.secrets.<group>.<key>`` attribute-style access."""

    def __init__(self, group: str, manager: SecretsManager) -> None:
        self._group = group
        self._manager = manager

    def __getattr__(self, key: str) -> str:
        if key.startswith("__"):
            raise AttributeError(key)
        return self._manager.get(self._group, key)

    def __repr__(self) -> str:
        return f"<secrets group {self._group!r}>"


class SecretsManager:
    """flytekit's ``SecretsManager`` over an explicit environment and file reader.

    ``env`` is read at each lookup (pass ``os.environ`` to see later changes); ``read_file`` returns a
    file's bytes or None when it does not exist (other ``OSError``s, e.g. permission denied, propagate).
    ``task_execution=False`` is the local mode, which also tries the unprefixed env var name.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        read_file: Callable[[str], bytes | None] = read_file_bytes,
        config: SecretsConfig | None = None,
        task_execution: bool = True,
    ) -> None:
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._read_file = read_file
        self._config = config if config is not None else secrets_config_from_env(self._env)
        self._task_execution = task_execution

    @property
    def config(self) -> SecretsConfig:
        return self._config

    @overload
    def get(
        self,
        group: str | None = None,
        key: str | None = None,
        group_version: str | None = None,
        encode_mode: Literal["r"] = "r",
    ) -> str: ...

    @overload
    def get(
        self,
        group: str | None,
        key: str | None,
        group_version: str | None,
        encode_mode: Literal["rb"],
    ) -> bytes: ...

    @overload
    def get(
        self,
        group: str | None = None,
        key: str | None = None,
        group_version: str | None = None,
        *,
        encode_mode: Literal["rb"],
    ) -> bytes: ...

    def get(
        self,
        group: str | None = None,
        key: str | None = None,
        group_version: str | None = None,
        encode_mode: Literal["r", "rb"] = "r",
    ) -> str | bytes:
        """The secret's value: the first env var set, else the file's content, stripped.

        ``encode_mode="rb"`` returns a file's content as bytes (an env var's value is still a str, as
        in flytekit).
        """
        if encode_mode not in ("r", "rb"):
            raise ValueError(f"encode_mode must be 'r' or 'rb', not {encode_mode!r}")
        planned = plan_secret_lookup(group, key, group_version, self._config, self._task_execution)
        if isinstance(planned, Failure):
            raise planned.failure()
        lookup: SecretLookup = planned.unwrap()
        for name in lookup.env_vars:
            value = self._env.get(name)
            if value is not None:
                return value.strip()
        data = self._read_file(lookup.file_path)
        if data is None:
            raise SecretNotFoundError(not_found_message(group, key, lookup))
        return data.strip() if encode_mode == "rb" else _text(data).strip()

    def get_secrets_env_var(
        self, group: str | None = None, key: str | None = None, group_version: str | None = None
    ) -> str:
        """The (prefixed) env var name the secret is looked up under."""
        name: str = secret_env_var(group, key, group_version, self._config.env_prefix)
        return name

    def get_secrets_file(
        self, group: str | None = None, key: str | None = None, group_version: str | None = None
    ) -> str:
        """The file the secret is looked up in; :class:`InvalidSecretNameError` without group and key."""
        path = secret_file_path(group, key, group_version, self._config.default_dir, self._config.file_prefix)
        if isinstance(path, Failure):
            raise path.failure()
        found: str = path.unwrap()
        return found

    def __getattr__(self, group: str) -> _GroupSecrets:
        if group.startswith("_"):
            raise AttributeError(group)
        return _GroupSecrets(group, self)

    def __repr__(self) -> str:
        return f"SecretsManager(config={self._config!r}, task_execution={self._task_execution})"
