"""The exception classes task code raises, with flytekit 1.16's codes and ``str()`` forms.

They are plain values: raising them is the user's business, classifying them is ``core.errors``'.

Laws (``property_tests/test_small_rules_laws.py``): ``str(e)`` is ``"<class code>: error=<args joined
by ','>"`` (``None`` without args), then ``", cause=<cause>"`` when chained; the code is the class's
own ``_ERROR_CODE``, else the nearest base's.
"""

from __future__ import annotations

from typing import Any


class _CodedExceptionMeta(type):
    """Puts ``error_code`` on the *class* only, as flytekit does (instances don't see it)."""

    @property
    def error_code(cls) -> str:
        return _inherited_code(cls)


def _inherited_code(cls: type) -> str:
    for base in cls.__mro__:
        code = base.__dict__.get("_ERROR_CODE")
        if code:
            return str(code)
    return "UnknownFlyteException"


class FlyteException(Exception, metaclass=_CodedExceptionMeta):
    """Base of the coded exceptions; ``timestamp`` (epoch seconds) becomes the error document's."""

    _ERROR_CODE = "UnknownFlyteException"

    def __init__(self, *args: Any, timestamp: float | None = None) -> None:
        super().__init__(*args)
        self._timestamp = timestamp

    @property
    def timestamp(self) -> float | None:
        return self._timestamp

    def __str__(self) -> str:
        detail = ",".join(str(a) for a in self.args) if self.args else "None"
        text = f"error={detail}"
        if self.__cause__ is not None:
            text += f", cause={self.__cause__}"
        return f"{self._ERROR_CODE}: {text}"


class FlyteUserException(FlyteException):
    _ERROR_CODE = "USER:Unknown"


class FlyteRecoverableException(FlyteUserException):
    """Raise it from task code to ask Flyte for a retry: the error document is RECOVERABLE."""

    _ERROR_CODE = "USER:Recoverable"


class FlyteSystemException(FlyteException):
    _ERROR_CODE = "SYSTEM:Unknown"


class FlyteValueException(FlyteUserException, ValueError):
    _ERROR_CODE = "USER:ValueError"


class FlyteTypeException(FlyteUserException, TypeError):
    _ERROR_CODE = "USER:TypeError"


class FlyteAssertion(FlyteUserException, AssertionError):
    _ERROR_CODE = "USER:AssertionError"


class IgnoreOutputs(Exception):
    """Raised by task code to finish successfully while writing nothing at all (no outputs.pb)."""


class TypeTransformerFailedError(TypeError, AssertionError, ValueError):
    """A value or literal did not convert; the same bases as flytekit's, so ``except`` clauses agree."""


class FlyteDataNotFoundException(FlyteValueException):
    """A storage object that must exist (inputs.pb, an offloaded literal) does not."""

    def __init__(self, path: str) -> None:
        super().__init__(f"Value error!  Received: {path}. File not found")
        self.path = path


class FlyteDownloadDataException(FlyteSystemException):
    _ERROR_CODE = "SYSTEM:DownloadDataError"


class FlyteUploadDataException(FlyteSystemException):
    _ERROR_CODE = "SYSTEM:UploadDataError"


class FlyteUserRuntimeException(FlyteException):
    """Task code raised ``value`` while a ``PythonTask`` ran in a container (flytekit's wrapper).

    ``error_code`` is the wrapped exception's own (instance attribute, then class attribute; an int as its
    decimal string), else ``USER:RuntimeError``: the same rule as for an unwrapped exception (Q3 included).
    """

    _ERROR_CODE = "USER:RuntimeError"

    def __init__(self, exc_value: Exception, timestamp: float | None = None) -> None:
        self._exc_value = exc_value
        super().__init__(str(exc_value), timestamp=timestamp)

    @property
    def value(self) -> Exception:
        return self._exc_value

    @property
    def error_code(self) -> str:
        from flyte_entrypoint.core.errors import user_error_code

        return user_error_code(self._exc_value)


class FlyteNonRecoverableSystemException(FlyteException):
    """The system side of a task run (converting inputs or outputs) failed on ``value``: not retried."""

    _ERROR_CODE = "USER:NonRecoverableSystemError"

    def __init__(self, exc_value: Exception) -> None:
        self._exc_value = exc_value
        super().__init__(str(exc_value))

    @property
    def value(self) -> Exception:
        return self._exc_value
