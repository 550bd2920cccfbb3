"""``core.secrets_rules``: where a secret is looked up (PROTOCOL §8.1, flytekit's ``SecretsManager``)."""

from __future__ import annotations

from returns.result import Failure, Success

from flyte_entrypoint.core import secrets_rules as sr
from flyte_entrypoint.schemas.settings import SecretsConfig


def test_config_defaults_and_overrides() -> None:
    assert sr.secrets_config_from_env({}) == SecretsConfig(env_prefix="_FSEC_", default_dir="/etc/secrets", file_prefix="")
    assert sr.secrets_config_from_env(
        {"FLYTE_SECRETS_ENV_PREFIX": "", "FLYTE_SECRETS_DEFAULT_DIR": "", "FLYTE_SECRETS_FILE_PREFIX": ""}
    ) == SecretsConfig(env_prefix="_FSEC_", default_dir="/etc/secrets", file_prefix="")
    assert sr.secrets_config_from_env(
        {"FLYTE_SECRETS_ENV_PREFIX": " P_ ", "FLYTE_SECRETS_DEFAULT_DIR": " /s ", "FLYTE_SECRETS_FILE_PREFIX": " f- "}
    ) == SecretsConfig(env_prefix="P_", default_dir="/s", file_prefix="f-")


def test_name_parts_skip_missing_and_empty() -> None:
    assert sr.secret_name_parts("g", "k", "v") == ("g", "v", "k")
    assert sr.secret_name_parts("g", "k", None) == ("g", "k")
    assert sr.secret_name_parts(None, "k", "") == ("k",)
    assert sr.secret_name_parts(None, None, None) == ()


def test_env_var() -> None:
    assert sr.secret_env_var("my-group", "Key", None, "_FSEC_") == "_FSEC_MY-GROUP_KEY"
    assert sr.secret_env_var("g", "k", "v1", "_FSEC_") == "_FSEC_G_V1_K"
    assert sr.secret_env_var("g", "k") == "G_K"


def test_file_path() -> None:
    assert sr.secret_file_path("Group", "Key", None, "/etc/secrets") == Success("/etc/secrets/group/key")
    assert sr.secret_file_path("g", "k", "V", "/etc/secrets", "pre-") == Success("/etc/secrets/g/v/pre-k")
    assert sr.secret_file_path(None, "k", None, "/d", "p") == Success("/d/pk")
    assert sr.secret_file_path("/abs", "k", None, "/d") == Success("/abs/k")  # POSIX join, as flytekit
    none = sr.secret_file_path(None, None, None, "/d")
    assert isinstance(none, Failure)
    assert isinstance(none.failure(), sr.InvalidSecretNameError)
    assert str(none.failure()) == "A secret needs at least a group or a key"


CFG = SecretsConfig(env_prefix="_FSEC_", default_dir="/etc/secrets", file_prefix="")


def test_lookup_during_a_task_execution_tries_only_the_prefixed_name() -> None:
    assert sr.plan_secret_lookup("g", "k", None, CFG) == Success(
        sr.SecretLookup(env_vars=("_FSEC_G_K",), file_path="/etc/secrets/g/k")
    )


def test_local_lookup_adds_the_unprefixed_name_once() -> None:
    assert sr.plan_secret_lookup("g", "k", None, CFG, task_execution=False) == Success(
        sr.SecretLookup(env_vars=("_FSEC_G_K", "G_K"), file_path="/etc/secrets/g/k")
    )
    no_prefix = SecretsConfig(env_prefix="", default_dir="/s", file_prefix="")
    assert sr.plan_secret_lookup("g", "k", None, no_prefix, task_execution=False) == Success(
        sr.SecretLookup(env_vars=("G_K",), file_path="/s/g/k")
    )


def test_lookup_without_a_name_fails() -> None:
    assert isinstance(sr.plan_secret_lookup(None, None, None, CFG).failure(), sr.InvalidSecretNameError)


def test_not_found_message_names_places_not_values() -> None:
    lookup = sr.SecretLookup(env_vars=("_FSEC_G_K", "G_K"), file_path="/etc/secrets/g/k")
    assert sr.not_found_message("g", "k", lookup) == (
        "Unable to find secret for key k in group g: no env var _FSEC_G_K or G_K and no file /etc/secrets/g/k. "
        "Please make sure to add secret_requests=[Secret(group=g, key=k)] in @task."
    )


def test_error_classes_are_value_errors() -> None:
    assert issubclass(sr.SecretNotFoundError, sr.SecretsError)
    assert issubclass(sr.InvalidSecretNameError, sr.SecretsError)
    assert issubclass(sr.SecretsError, ValueError)
