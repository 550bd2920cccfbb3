"""Laws of error documents (``core.errors``), as its docstring states them (the message layout, the error-file
names and the code lookup are in ``test_entrypoint_rules_laws.py``).

* **classification** (PROTOCOL §3.2): for every phase and exception, ``classify`` answers (never raises): the
  user's phases give origin USER, its own code, and RECOVERABLE exactly for ``FlyteRecoverableException``;
  conversions and the environment give ``SYSTEM``, NON_RECOVERABLE; every other phase ``SYSTEM``, RECOVERABLE;
  an exception whose ``__str__`` raises is ``SYSTEM``, RECOVERABLE in every phase (Q26);
* **timestamp** (§3.5): a ``FlyteException``'s own timestamp wins over the time given; the document holds
  ``int(ts)`` seconds and ``int((ts - int(ts)) * 1e9)`` nanoseconds;
* **storage names**: ``as_flyte_storage_error`` renames exactly the captured storage failures (not found,
  download, upload -> flytekit's three classes), keeps the original trace as the start of the new one, and
  renaming twice is renaming once.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core import errors as e
from flyte_entrypoint.core import exceptions as fx

USER_PHASES = {e.Phase.LOAD, e.Phase.USER_CODE}
NON_RECOVERABLE_SYSTEM = {e.Phase.CONVERT_INPUTS, e.Phase.CONVERT_OUTPUTS, e.Phase.ENVIRONMENT}
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no")


class Coded(Exception):
    error_code = "MY:Code"


def _exceptions() -> st.SearchStrategy[BaseException]:
    return st.one_of(
        TEXT.map(ValueError),
        TEXT.map(KeyError),
        TEXT.map(Coded),
        TEXT.map(fx.FlyteRecoverableException),
        TEXT.map(fx.FlyteException),
        st.just(Unprintable()),
    )


@given(st.sampled_from(list(e.Phase)), _exceptions(), st.floats(0, 2e9), TEXT)
def test_classification(phase: e.Phase, exc: BaseException, now: float, worker: str) -> None:
    report = e.classify(phase, e.CapturedError(exc, "Traceback\n"), now, worker)
    assert report.worker == worker
    if isinstance(exc, Unprintable):
        assert (report.code, report.kind, report.origin) == ("SYSTEM", e.RECOVERABLE, e.ORIGIN_SYSTEM)
    elif phase in USER_PHASES:
        kind = e.RECOVERABLE if isinstance(exc, fx.FlyteRecoverableException) else e.NON_RECOVERABLE
        assert (report.code, report.kind, report.origin) == (e.user_error_code(exc), kind, e.ORIGIN_USER)
    elif phase in NON_RECOVERABLE_SYSTEM:
        assert (report.code, report.kind, report.origin) == ("SYSTEM", e.NON_RECOVERABLE, e.ORIGIN_SYSTEM)
    else:
        assert (report.code, report.kind, report.origin) == ("SYSTEM", e.RECOVERABLE, e.ORIGIN_SYSTEM)


@given(st.floats(0, 4e9), st.one_of(st.none(), st.floats(0, 4e9)), st.sampled_from(list(e.Phase)))
def test_timestamp(now: float, own: float | None, phase: e.Phase) -> None:
    exc = fx.FlyteException("x", timestamp=own)
    report = e.classify(phase, e.CapturedError(exc, ""), now, "")
    stamp = own if own is not None else now
    assert report.timestamp == stamp
    doc = report.to_proto()
    assert (doc.error.timestamp.seconds, doc.error.timestamp.nanos) == (int(stamp), int((stamp - int(stamp)) * 1e9))


FAULT_NAMES = {
    e.StorageFault.NOT_FOUND: "FlyteDataNotFoundException",
    e.StorageFault.DOWNLOAD: "FlyteDownloadDataException",
    e.StorageFault.UPLOAD: "FlyteUploadDataException",
}


@given(st.one_of(st.none(), st.sampled_from(list(e.StorageFault))), TEXT, TEXT)
def test_storage_names(fault: e.StorageFault | None, uri: str, trace: str) -> None:
    original = OSError("x")
    storage = e.StorageFailure(fault, uri, "failed") if fault is not None else None
    captured = e.CapturedError(original, trace, storage)
    renamed = e.as_flyte_storage_error(captured)
    if fault is None:
        assert renamed is captured
        return
    assert type(renamed.exception).__name__ == FAULT_NAMES[fault]
    assert renamed.exception.__context__ is original and renamed.trace.startswith(trace)
    assert e.as_flyte_storage_error(renamed) is renamed
