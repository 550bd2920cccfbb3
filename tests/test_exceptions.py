"""``core.exceptions``: flytekit 1.16's exception codes and ``str()`` forms (``flytekit/exceptions/*.py``):
``error_code`` lives on the class only, ``str(e)`` is ``"<code>: error=<args joined by ','>[, cause=<cause>]"``."""

from __future__ import annotations

import pytest

from flyte_entrypoint.core import exceptions as ex


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (ex.FlyteException, "UnknownFlyteException"),
        (ex.FlyteUserException, "USER:Unknown"),
        (ex.FlyteRecoverableException, "USER:Recoverable"),
        (ex.FlyteSystemException, "SYSTEM:Unknown"),
        (ex.FlyteValueException, "USER:ValueError"),
        (ex.FlyteTypeException, "USER:TypeError"),
        (ex.FlyteAssertion, "USER:AssertionError"),
        (ex.FlyteDataNotFoundException, "USER:ValueError"),
        (ex.FlyteDownloadDataException, "SYSTEM:DownloadDataError"),
        (ex.FlyteUploadDataException, "SYSTEM:UploadDataError"),
    ],
)
def test_class_codes(cls: type, code: str) -> None:
    assert cls.error_code == code  # type: ignore[attr-defined]
    assert not hasattr(cls.__new__(cls), "error_code")  # the instance does not see it


def test_code_inherited_when_a_subclass_sets_none() -> None:
    class Mine(ex.FlyteRecoverableException):
        _ERROR_CODE = ""

    assert Mine.error_code == "USER:Recoverable"

    class Bare(ex.FlyteException):
        _ERROR_CODE = ""

    assert Bare.error_code == "UnknownFlyteException"
    assert ex._inherited_code(ValueError) == "UnknownFlyteException"


def test_str_forms() -> None:
    assert str(ex.FlyteRecoverableException("retry me")) == "USER:Recoverable: error=retry me"
    assert str(ex.FlyteUserException("a", "b")) == "USER:Unknown: error=a,b"
    assert str(ex.FlyteSystemException()) == "SYSTEM:Unknown: error=None"
    try:
        raise ex.FlyteValueException("bad") from KeyError("k")
    except ex.FlyteValueException as e:
        assert str(e) == "USER:ValueError: error=bad, cause='k'"


def test_timestamp() -> None:
    assert ex.FlyteException("x").timestamp is None
    assert ex.FlyteRecoverableException("x", timestamp=12.5).timestamp == 12.5
    assert ex.FlyteRecoverableException("x", timestamp=12.5).args == ("x",)


def test_bases_match_flytekit() -> None:
    assert issubclass(ex.FlyteRecoverableException, ex.FlyteUserException)
    assert issubclass(ex.FlyteValueException, ValueError)
    assert issubclass(ex.FlyteTypeException, TypeError)
    assert issubclass(ex.FlyteAssertion, AssertionError)
    assert issubclass(ex.FlyteDownloadDataException, ex.FlyteSystemException)
    assert issubclass(ex.TypeTransformerFailedError, TypeError)
    assert issubclass(ex.TypeTransformerFailedError, AssertionError)
    assert issubclass(ex.TypeTransformerFailedError, ValueError)
    assert not issubclass(ex.IgnoreOutputs, ex.FlyteException)


def test_data_not_found() -> None:
    e = ex.FlyteDataNotFoundException("s3://b/inputs.pb")
    assert e.path == "s3://b/inputs.pb"
    assert str(e) == "USER:ValueError: error=Value error!  Received: s3://b/inputs.pb. File not found"


# flytekit's wrappers (flytekit/exceptions/user.py, system.py): the wrapped exception, its text, its code


def test_user_runtime_exception_wraps_the_task_error() -> None:
    inner = KeyError("k")
    e = ex.FlyteUserRuntimeException(inner, timestamp=3.5)
    assert e.value is inner
    assert e.args == ("'k'",) and e.timestamp == 3.5
    assert str(e) == "USER:RuntimeError: error='k'"
    assert e.error_code == "USER:RuntimeError"  # the inner error has no code of its own

    class Coded(Exception):
        error_code = 42

    assert ex.FlyteUserRuntimeException(Coded("x")).error_code == "42"
    assert ex.FlyteUserRuntimeException(ValueError("v")).timestamp is None


def test_non_recoverable_system_exception_wraps_the_system_error() -> None:
    inner = ValueError("bad literal")
    e = ex.FlyteNonRecoverableSystemException(inner)
    assert e.value is inner
    assert e.args == ("bad literal",)
    assert str(e) == "USER:NonRecoverableSystemError: error=bad literal"
    assert type(e).error_code == "USER:NonRecoverableSystemError"  # type: ignore[attr-defined]
