"""Task module shared by the differential tests.

Imported by BOTH entrypoints with cwd = this directory: flytekit's ``pyflyte-execute`` (the oracle venv has
flytekit) and ours (the dev venv has no flytekit, so the fallback import picks flyte_entrypoint).

Line numbers of the ``raise`` statements appear in error-document traces, so both sides see the same ones.
Append new tasks at the end rather than inserting in the middle.
"""

import sys
import typing

try:
    from flytekit import task
    from flytekit.core.base_task import IgnoreOutputs
    from flytekit.exceptions.user import FlyteRecoverableException
except ImportError:
    from flyte_entrypoint import FlyteRecoverableException, IgnoreOutputs, task


# --- successes --------------------------------------------------------------------------------------------


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def add_default(a: int, b: int = 5) -> int:
    return a + b


@task
def echo_str(s: str) -> str:
    return s


@task
def echo_float(x: float) -> float:
    return x


@task
def echo_bool(flag: bool) -> bool:
    return flag


@task
def double_list(xs: list[int]) -> list[int]:
    return [2 * x for x in xs]


@task
def scale_dict(d: dict[str, float], k: float) -> dict[str, float]:
    return {key: value * k for key, value in d.items()}


@task
def echo_nested(x: list[dict[str, list[int]]]) -> list[dict[str, list[int]]]:
    return x


@task
def void_task(a: int) -> None:
    print(f"void_task got {a}")


class Stats(typing.NamedTuple):
    total: int
    label: str


@task
def named_out(a: int, b: int) -> Stats:
    return Stats(total=a + b, label=f"{a}+{b}")


@task
def tuple_out(a: int) -> tuple[int, str]:
    return a, str(a)


# --- user errors ------------------------------------------------------------------------------------------


class ClassCodedError(Exception):
    error_code = "MY_CODE"


class InstanceCodedError(Exception):
    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.error_code = "INST_CODE"


class IntCodedError(Exception):
    error_code = 422


class FloatCodedError(Exception):
    error_code = 4.5


class UnprintableError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ exploded")


@task
def fail_value(a: int) -> int:
    raise ValueError(f"bad value {a}")


@task
def fail_class_code(a: int) -> int:
    raise ClassCodedError(f"class code {a}")


@task
def fail_instance_code(a: int) -> int:
    raise InstanceCodedError(f"instance code {a}")


@task
def fail_int_code(a: int) -> int:
    raise IntCodedError(f"int code {a}")


@task
def fail_float_code(a: int) -> int:
    raise FloatCodedError(f"float code {a}")


@task
def fail_recoverable(a: int) -> int:
    raise FlyteRecoverableException(f"try again {a}")


@task
def ignore_outputs(a: int) -> int:
    raise IgnoreOutputs(f"ignored {a}")


@task
def exit_three(a: int) -> int:
    sys.exit(3)


@task
def fail_chained(a: int) -> int:
    try:
        {}["missing"]
    except KeyError as exc:
        raise RuntimeError("line one\n\nline three") from exc
    return a


@task
def fail_unprintable(a: int) -> int:
    raise UnprintableError()


# --- system errors ----------------------------------------------------------------------------------------


@task
def bad_output(a: int) -> float:
    return a  # an int for a float output: output conversion fails (SYSTEM)


# --- context services that are not available ---------------------------------------------------------------
try:
    from flytekit import current_context
except ImportError:
    from flyte_entrypoint import current_context


@task
def use_checkpoint(a: int) -> int:
    current_context().checkpoint.prev_exists()  # no --checkpoint-path: checkpointing is not available
    return a


@task
def use_missing_secret(a: int) -> int:
    return len(current_context().secrets.get("nogroup", "nokey"))
