"""The type engine's dispatcher: python type <-> Flyte LiteralType / Literal.

Contract (every transformer module in this package follows it):

* A transformer is an object with
    - ``name: str`` -- flytekit's transformer name, used as the union ``structure.tag``;
    - ``handles(tp) -> bool`` -- does it own this (already un-Annotated) python type?
    - ``literal_type(tp, engine) -> LiteralType``
    - ``to_literal(value, tp, engine, sink) -> Literal``  (strict: raise ``ConversionError`` on a bad value)
    - ``to_python(literal, tp, engine, sink) -> value``   (raise ``ConversionError`` on a bad literal)
  ``engine`` is this module's ``Engine`` (for recursion into element types), ``sink`` is a ``Sink``.
* Transformers raise; the public functions ``literal_type_of`` / ``to_literal`` / ``to_python`` at the
  bottom wrap the result in ``returns.Result`` so callers see failures as values.
* Nothing here performs I/O. File-like values ask the sink for a deterministic remote name and record an
  ``Upload`` that the shell carries out afterwards.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import attrs
from returns.result import Failure, Result, Success

if typing.TYPE_CHECKING:  # pragma: no cover
    from flyteidl.core import literals_pb2, types_pb2


class ConversionError(Exception):
    """A value or literal does not fit the declared type. ``path`` names where (``o0[3].x``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class UnsupportedTypeError(ConversionError):
    """No transformer owns this python type."""


@attrs.frozen
class Upload:
    """A local file or directory the shell must upload to ``remote`` before outputs.pb is written."""

    local_path: str
    remote: str
    is_directory: bool = False


@attrs.frozen
class Download:
    """A remote object a lazily-downloading input will fetch (for plans; the shell fetches on demand)."""

    remote: str
    local_path: str
    is_directory: bool = False


@attrs.frozen
class ConversionContext:
    """Everything a conversion may need from the outside world, passed in as values.

    ``raw_output_prefix``: where offloaded data (files, directories, dataframes) go.
    ``local_sandbox``: a local directory under which inputs that are files get their local paths.
    ``name_seed``: a random hex string from the shell; remote/local names are derived from it and the
      value's path, so a conversion is deterministic for a given seed.
    ``use_old_dc_format``: ``FLYTE_USE_OLD_DC_FORMAT`` (dataclasses/dicts as Struct instead of msgpack).
    """

    raw_output_prefix: str = ""
    local_sandbox: str = ""
    name_seed: str = "0" * 32
    use_old_dc_format: bool = False


class Sink:
    """Collects the side effects a conversion plans (uploads) while the engine recurses.

    It is created inside one public call and returned as a value, so the public functions stay pure.
    """

    __slots__ = ("context", "uploads", "_counter")

    def __init__(self, context: ConversionContext) -> None:
        self.context = context
        self.uploads: list[Upload] = []
        self._counter = 0

    def unique_hex(self) -> str:
        """A 32-hex name, derived from the seed and a per-call counter (deterministic per seed)."""
        import hashlib

        self._counter += 1
        return hashlib.sha256(f"{self.context.name_seed}:{self._counter}".encode()).hexdigest()[:32]

    def plan_upload(self, upload: Upload) -> None:
        self.uploads.append(upload)


class Transformer(Protocol):
    name: str

    def handles(self, tp: Any) -> bool: ...

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType: ...

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal: ...

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any: ...


@attrs.frozen
class Converted:
    """The result of converting python values: the literal(s) and the uploads they need first."""

    value: Any
    uploads: tuple[Upload, ...] = ()


class Engine:
    """Finds the transformer for a type and recurses. Transformers are tried in registration order."""

    def __init__(self, transformers: Sequence[Transformer]) -> None:
        self._transformers = tuple(transformers)
        self._cache: dict[Any, Transformer] = {}

    def transformer_for(self, tp: Any) -> Transformer:
        try:
            found = self._cache.get(tp)
        except TypeError:  # unhashable annotation
            found = None
        if found is not None:
            return found
        for t in self._transformers:
            if t.handles(tp):
                try:
                    self._cache[tp] = t
                except TypeError:
                    pass
                return t
        raise UnsupportedTypeError(f"Type {tp!r} is not supported by flyte-entrypoint's type engine")

    def literal_type(self, tp: Any) -> types_pb2.LiteralType:
        return self.transformer_for(tp).literal_type(tp, self)

    def to_literal(self, value: Any, tp: Any, sink: Sink) -> literals_pb2.Literal:
        return self.transformer_for(tp).to_literal(value, tp, self, sink)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, sink: Sink) -> Any:
        return self.transformer_for(tp).to_python(literal, tp, self, sink)


def _default_engine() -> Engine:
    from flyte_entrypoint.core.types import registry

    return registry.ENGINE


def literal_type_of(tp: Any, engine: Engine | None = None) -> Result[types_pb2.LiteralType, ConversionError]:
    """The Flyte LiteralType flytekit 1.16 declares for python type ``tp``."""
    eng = engine or _default_engine()
    try:
        return Success(eng.literal_type(tp))
    except ConversionError as exc:
        return Failure(exc)


def to_literal(
    value: Any, tp: Any, context: ConversionContext = ConversionContext(), engine: Engine | None = None
) -> Result[Converted, ConversionError]:
    """Encode ``value`` (declared as ``tp``) as flytekit 1.16 would; ``Converted.value`` is the Literal."""
    eng = engine or _default_engine()
    sink = Sink(context)
    try:
        lit = eng.to_literal(value, tp, sink)
    except ConversionError as exc:
        return Failure(exc)
    except (TypeError, ValueError, OverflowError) as exc:
        return Failure(ConversionError(f"{type(exc).__name__}: {exc}"))
    return Success(Converted(lit, tuple(sink.uploads)))


def to_python(
    literal: literals_pb2.Literal,
    tp: Any,
    context: ConversionContext = ConversionContext(),
    engine: Engine | None = None,
) -> Result[Any, ConversionError]:
    """Decode ``literal`` into a value of python type ``tp`` (flytekit 1.16's reading rules)."""
    eng = engine or _default_engine()
    sink = Sink(context)
    try:
        return Success(eng.to_python(literal, tp, sink))
    except ConversionError as exc:
        return Failure(exc)
    except (TypeError, ValueError, OverflowError) as exc:
        return Failure(ConversionError(f"{type(exc).__name__}: {exc}"))


Factory = Callable[[], Transformer]
