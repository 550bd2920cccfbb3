"""Pure readers over an environment mapping (the shell passes ``os.environ`` in).

Laws (``property_tests/test_env_laws.py``):

* ``get_one_of(env, *names)`` is the value of the first name set to a non-empty value, else ``""``;
* ``str2bool(v)`` iff ``v`` is not None and ``v.lower()`` is ``"true"``, ``"t"`` or ``"1"``;
* ``config_bool(None, d) == d``; for a set value the default is ignored and the result is
  ``v != "" and v.strip().lower() not in {"false", "0", "off", "no"}``; the default default is False
  (so an unset ``FLYTE_USE_OLD_DC_FORMAT`` keeps the new dataclass format);
* each ``normalize_*`` maps exactly its "not given" values to None (``None``, ``""`` and its own
  placeholder; ``'""'`` too for the previous checkpoint), returns every other value unchanged, and is
  idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping

RAW_OUTPUT_PLACEHOLDER = "{{.rawOutputDataPrefix}}"
CHECKPOINT_PLACEHOLDER = "{{.checkpointOutputPrefix}}"
PREV_CHECKPOINT_PLACEHOLDER = "{{.prevCheckpointPrefix}}"

FLYTE_FAIL_ON_ERROR = "FLYTE_FAIL_ON_ERROR"
SERIALIZED_CONTEXT_ENV_VAR = "_F_SS_C"

_FALSE_WORDS = frozenset({"false", "0", "off", "no"})


def get_one_of(env: Mapping[str, str], *names: str) -> str:
    """The value of the first of ``names`` that is set to a non-empty value, else ``""``.

    flytekit lets an *empty* long name shadow a set short alias (PROTOCOL §13 Q17); we treat an
    empty value as unset, so ``FLYTE_INTERNAL_EXECUTION_ID=""`` no longer hides ``_F_NM``.
    """
    for name in names:
        value = env.get(name)
        if value:
            return value
    return ""


def str2bool(value: str | None) -> bool:
    """flytekit's ``str2bool`` (used for ``FLYTE_FAIL_ON_ERROR``): only ``true``/``t``/``1``."""
    return value is not None and value.lower() in ("true", "t", "1")


def config_bool(value: str | None, default: bool = False) -> bool:
    """Config-entry booleans: true when non-empty and not one of false/0/off/no."""
    if value is None:
        return default
    return bool(value) and value.strip().lower() not in _FALSE_WORDS


def normalize_raw_output_prefix(value: str | None) -> str | None:
    """``{{.rawOutputDataPrefix}}`` (an unfilled template) and ``""`` mean "not given"."""
    return None if not value or value == RAW_OUTPUT_PLACEHOLDER else value


def normalize_checkpoint_path(value: str | None) -> str | None:
    """The placeholder and, unlike flytekit (Q23), the empty string mean "no checkpointing"."""
    return None if not value or value == CHECKPOINT_PLACEHOLDER else value


def normalize_prev_checkpoint(value: str | None) -> str | None:
    """The placeholder, ``""`` and the two-character string ``""`` mean "no previous checkpoint"."""
    return None if not value or value in ('""', PREV_CHECKPOINT_PLACEHOLDER) else value
