"""The laws stated in the docstrings of ``core.runtime_packages``, ``core.reports`` and ``core.exceptions``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core import exceptions as ex
from flyte_entrypoint.core import reports
from flyte_entrypoint.core import runtime_packages as rp

text = st.text(st.sampled_from(list("ab \t\n-=")), max_size=20)


@given(text, st.sampled_from(["python", "/v/bin/python3"]))
def test_runtime_packages(value: str, python: str) -> None:
    packages = rp.requested_packages({rp.RUNTIME_PACKAGES_ENV: value})
    assert packages == tuple(value.split())
    assert "" not in packages
    assert rp.pip_install_command(python, packages) == (python, "-m", "pip", "install", *packages)


def _unindent(block: str) -> str:
    return "".join(line[4:] if line.strip() else line for line in block.splitlines(keepends=True))


@given(st.text(st.sampled_from(list("ab \n")), max_size=20), st.text(st.sampled_from(list("xy :\n")), max_size=20))
def test_layout(trace: str, summary: str) -> None:
    msg = reports.layout(trace, summary)
    assert msg.startswith("Trace:\n\n")
    head, sep, tail = msg[len("Trace:\n\n") :].rpartition("\nMessage:\n\n")
    assert sep
    for block in (head, tail):
        assert all(line.startswith("    ") or not line.strip() for line in block.splitlines())
    assert _unindent(head) == (trace if trace.endswith("\n") else trace + "\n")
    assert _unindent(tail) == summary


@given(st.lists(st.sampled_from(["a", "b", ""]), max_size=8), st.integers(1, 5))
def test_tail(lines: list[str], n: int) -> None:
    got = reports.tail("\n".join(lines), n).split("\n") if lines else []
    parts = "\n".join(lines).splitlines()
    if len(parts) <= n:
        assert reports.tail("\n".join(lines), n) == "\n".join(parts)
    else:
        assert got == [f"... ({len(parts) - n} earlier lines omitted)", *parts[-n:]]


classes = st.sampled_from(
    [ex.FlyteException, ex.FlyteUserException, ex.FlyteRecoverableException, ex.FlyteSystemException,
     ex.FlyteValueException, ex.FlyteTypeException, ex.FlyteAssertion, ex.FlyteUploadDataException]
)


@given(classes, st.lists(st.text(max_size=4), max_size=3), st.booleans())
def test_exception_str(cls: type[ex.FlyteException], args: list[str], chained: bool) -> None:
    e = cls(*args)
    if chained:
        e.__cause__ = KeyError("c")
    expected = f"{cls._ERROR_CODE}: error={','.join(args) if args else 'None'}"
    if chained:
        expected += ", cause='c'"
    assert str(e) == expected
    assert cls.error_code == cls._ERROR_CODE  # type: ignore[attr-defined]
