"""What each environment/flag input normalizes to (``core.env``). Expected values come from the spec:
flytekit 1.16's ``str2bool`` (``flytekit/core/utils.py``: ``value.lower() in ("true", "t", "1")``), its
config-entry booleans, PROTOCOL §3 (placeholders) and the README's Q17/Q23 rows."""

from __future__ import annotations

import pytest

from flyte_entrypoint.core import env as e


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "t", "T", "1"])
def test_str2bool_true_words(value: str) -> None:
    # FLYTE_FAIL_ON_ERROR=t and =1 must turn on exit code 1, exactly as flytekit does
    assert e.str2bool(value) is True


@pytest.mark.parametrize("value", [None, "", "yes", "y", "on", "0", "false", "f", " true", "true ", "2", "tt"])
def test_str2bool_everything_else_is_false(value: str | None) -> None:
    assert e.str2bool(value) is False


@pytest.mark.parametrize("value", ["false", "FALSE", "0", "off", "Off", "no", "NO", " false ", "\tno\n"])
def test_config_bool_false_words(value: str) -> None:
    assert e.config_bool(value) is False
    assert e.config_bool(value, default=True) is False  # a set value ignores the default


@pytest.mark.parametrize("value", ["true", "1", "yes", "on", "anything", "f", " ", "nope"])
def test_config_bool_true_for_any_other_non_empty_value(value: str) -> None:
    assert e.config_bool(value) is True
    assert e.config_bool(value, default=False) is True


def test_config_bool_empty_is_false_whatever_the_default() -> None:
    assert e.config_bool("") is False
    assert e.config_bool("", default=True) is False


def test_config_bool_unset_is_the_default_and_the_default_default_is_false() -> None:
    # FLYTE_USE_OLD_DC_FORMAT unset must keep the new (msgpack) dataclass format: default False
    assert e.config_bool(None) is False
    assert e.config_bool(None, default=True) is True
    assert e.config_bool(None, default=False) is False


def test_get_one_of_first_non_empty_wins() -> None:
    env = {"LONG": "", "SHORT": "s", "OTHER": "o"}
    assert e.get_one_of(env, "LONG", "SHORT", "OTHER") == "s"  # an empty long name does not shadow (Q17)
    assert e.get_one_of(env, "OTHER", "SHORT") == "o"  # order of the names decides
    assert e.get_one_of(env, "MISSING", "LONG") == ""
    assert e.get_one_of(env) == ""
    assert e.get_one_of({"A": "x"}, "A") == "x"


@pytest.mark.parametrize("value", [None, "", "{{.rawOutputDataPrefix}}"])
def test_raw_output_prefix_not_given(value: str | None) -> None:
    assert e.normalize_raw_output_prefix(value) is None


@pytest.mark.parametrize(
    "value", ["s3://b/raw", "/tmp/raw", '""', "{{.checkpointOutputPrefix}}", " ", "{{.rawOutputDataPrefix}}x"]
)
def test_raw_output_prefix_given_is_kept(value: str) -> None:
    assert e.normalize_raw_output_prefix(value) == value


@pytest.mark.parametrize("value", [None, "", "{{.checkpointOutputPrefix}}"])
def test_checkpoint_path_not_given(value: str | None) -> None:
    assert e.normalize_checkpoint_path(value) is None


@pytest.mark.parametrize("value", ["s3://b/cp", '""', "{{.prevCheckpointPrefix}}", "{{.rawOutputDataPrefix}}"])
def test_checkpoint_path_given_is_kept(value: str) -> None:
    assert e.normalize_checkpoint_path(value) == value


@pytest.mark.parametrize("value", [None, "", '""', "{{.prevCheckpointPrefix}}"])
def test_prev_checkpoint_not_given(value: str | None) -> None:
    assert e.normalize_prev_checkpoint(value) is None


@pytest.mark.parametrize("value", ["s3://b/prev", "''", "{{.checkpointOutputPrefix}}", '"x"'])
def test_prev_checkpoint_given_is_kept(value: str) -> None:
    assert e.normalize_prev_checkpoint(value) == value


def test_names_of_the_environment_variables_and_placeholders() -> None:
    # the exact strings flytekit and propeller use (PROTOCOL §3, §4.1)
    assert e.RAW_OUTPUT_PLACEHOLDER == "{{.rawOutputDataPrefix}}"
    assert e.CHECKPOINT_PLACEHOLDER == "{{.checkpointOutputPrefix}}"
    assert e.PREV_CHECKPOINT_PLACEHOLDER == "{{.prevCheckpointPrefix}}"
    assert e.FLYTE_FAIL_ON_ERROR == "FLYTE_FAIL_ON_ERROR"
    assert e.SERIALIZED_CONTEXT_ENV_VAR == "_F_SS_C"
