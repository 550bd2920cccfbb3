"""Secrets (PROTOCOL §8.1): env var and mounted-file lookup, naming rules, and safe error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from flyte_entrypoint.core.secrets_rules import (
    InvalidSecretNameError,
    SecretLookup,
    plan_secret_lookup,
    secret_env_var,
    secret_file_path,
    secrets_config_from_env,
)
from flyte_entrypoint.schemas.settings import SecretsConfig
from flyte_entrypoint.shell.secret_store import SecretNotFoundError, SecretsManager

# ------------------------------------------------------------------------------------------------ pure


def test_env_var_names() -> None:
    assert secret_env_var("MyGroup", "MyKey", None, "_FSEC_") == "_FSEC_MYGROUP_MYKEY"
    assert secret_env_var("g", "k", "v1", "_FSEC_") == "_FSEC_G_V1_K"
    assert secret_env_var("g", None, None, "_FSEC_") == "_FSEC_G"
    assert secret_env_var(None, "k", "", "P_") == "P_K"


def test_file_paths() -> None:
    assert secret_file_path("MyGroup", "MyKey", None, "/etc/secrets").unwrap() == "/etc/secrets/mygroup/mykey"
    assert secret_file_path("G", "K", "V1", "/etc/secrets", "pre-").unwrap() == "/etc/secrets/g/v1/pre-k"
    assert secret_file_path(None, "K", None, "/s", "p").unwrap() == "/s/pk"
    assert isinstance(secret_file_path(None, None, None, "/s").failure(), InvalidSecretNameError)


def test_config_from_env() -> None:
    assert secrets_config_from_env({}) == SecretsConfig("_FSEC_", "/etc/secrets", "")
    env = {
        "FLYTE_SECRETS_ENV_PREFIX": " MY_ ",
        "FLYTE_SECRETS_DEFAULT_DIR": "/run/secrets",
        "FLYTE_SECRETS_FILE_PREFIX": "f-",
    }
    assert secrets_config_from_env(env) == SecretsConfig("MY_", "/run/secrets", "f-")
    assert secrets_config_from_env({"FLYTE_SECRETS_ENV_PREFIX": ""}).env_prefix == "_FSEC_"


def test_lookup_plan_local_adds_the_unprefixed_name() -> None:
    cfg = SecretsConfig()
    assert plan_secret_lookup("g", "k", None, cfg).unwrap() == SecretLookup(
        ("_FSEC_G_K",), "/etc/secrets/g/k"
    )
    local = plan_secret_lookup("g", "k", None, cfg, task_execution=False).unwrap()
    assert local.env_vars == ("_FSEC_G_K", "G_K")


# ----------------------------------------------------------------------------------------------- shell


def test_env_secret_is_stripped() -> None:
    sm = SecretsManager({"_FSEC_GROUP_KEY": "  s3cr3t\n"})
    assert sm.get("group", "key") == "s3cr3t"
    assert sm.group.key == "s3cr3t"


def test_env_wins_over_file(tmp_path: Path) -> None:
    (tmp_path / "group").mkdir()
    (tmp_path / "group" / "key").write_text("from-file")
    sm = SecretsManager({"_FSEC_GROUP_KEY": "from-env", "FLYTE_SECRETS_DEFAULT_DIR": str(tmp_path)})
    assert sm.get("group", "key") == "from-env"


def test_mounted_file_secret(tmp_path: Path) -> None:
    (tmp_path / "mygroup" / "v2").mkdir(parents=True)
    (tmp_path / "mygroup" / "v2" / "pre_mykey").write_bytes(b"line1\r\nline2\r\n")
    env = {"FLYTE_SECRETS_DEFAULT_DIR": str(tmp_path), "FLYTE_SECRETS_FILE_PREFIX": "pre_"}
    sm = SecretsManager(env)
    assert sm.get("MyGroup", "MyKey", "V2") == "line1\nline2"
    assert sm.get("MyGroup", "MyKey", "V2", encode_mode="rb") == b"line1\r\nline2"
    assert sm.get_secrets_file("MyGroup", "MyKey", "V2") == str(tmp_path / "mygroup" / "v2" / "pre_mykey")
    assert sm.get_secrets_env_var("MyGroup", "MyKey", "V2") == "_FSEC_MYGROUP_V2_MYKEY"


def test_in_task_execution_only_the_prefixed_name_counts(tmp_path: Path) -> None:
    env = {"GROUP_KEY": "unprefixed", "FLYTE_SECRETS_DEFAULT_DIR": str(tmp_path)}
    with pytest.raises(SecretNotFoundError):
        SecretsManager(env).get("group", "key")
    assert SecretsManager(env, task_execution=False).get("group", "key") == "unprefixed"


def test_missing_secret_message_names_the_places_but_no_value(tmp_path: Path) -> None:
    env = {
        "FLYTE_SECRETS_DEFAULT_DIR": str(tmp_path),
        "GROUP_OTHER": "TOP-SECRET-VALUE",
        "_FSEC_GROUP_OTHER": "TOP-SECRET-VALUE",
    }
    sm = SecretsManager(env)
    assert sm.get("group", "other") == "TOP-SECRET-VALUE"
    with pytest.raises(SecretNotFoundError) as info:
        sm.get("group", "key")
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "_FSEC_GROUP_KEY" in message
    assert str(tmp_path / "group" / "key") in message
    assert "TOP-SECRET-VALUE" not in message
    assert "TOP-SECRET-VALUE" not in repr(sm)
    assert "TOP-SECRET-VALUE" not in repr(sm.group)


def test_directory_in_the_way_counts_as_missing(tmp_path: Path) -> None:
    (tmp_path / "group" / "key").mkdir(parents=True)
    with pytest.raises(SecretNotFoundError):
        SecretsManager({"FLYTE_SECRETS_DEFAULT_DIR": str(tmp_path)}).get("group", "key")


def test_custom_reader_and_config() -> None:
    seen: list[str] = []

    def read(path: str) -> bytes | None:
        seen.append(path)
        return b" value " if path == "/x/g/k" else None

    sm = SecretsManager({}, read, config=SecretsConfig(default_dir="/x"))
    assert sm.get("g", "k") == "value"
    assert seen == ["/x/g/k"]


def test_no_group_and_no_key_is_an_error() -> None:
    with pytest.raises(InvalidSecretNameError):
        SecretsManager({}).get()
    with pytest.raises(ValueError):
        SecretsManager({}).get("g", "k", encode_mode="w")  # type: ignore[call-overload]
