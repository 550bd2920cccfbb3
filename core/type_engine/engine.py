"""The type engine's dispatcher: python type <-> Flyte LiteralType / Literal.

Contract (every transformer module in this package follows it):

* A transformer is an object with
    - ``name: str`` -- flytekit's transformer name, used as the union ``structure.tag``;
    - ``handles(tp) -> bool`` -- does it own this python type?  It is asked about ``Annotated[...]`` types
      too, before the engine strips them; return False (the usual answer) to get the plain type instead;
    - ``literal_type(tp, engine) -> LiteralType``
    - ``to_literal(value, tp, engine, sink) -> Literal``  (strict: raise ``ConversionError`` on a bad value)
    - ``to_python(literal, tp, engine, sink) -> value``   (raise ``ConversionError`` on a bad literal)
  and optionally
    - ``write(value, tp, engine, sink, target)`` -- like ``to_literal`` but fills the empty ``target``
      Literal in place (saves a copy for big nested values);
    - ``accepts_none: bool`` -- True if ``None`` is a legal value (NoneType, unions, ``Any``); for the
      others the engine rejects ``None`` up front, as flytekit's ``TypeEngine.to_literal`` does;
    - ``loosely_accepts(value, tp) -> bool`` -- the transformer's flytekit ``assert_type``, used by unions
      to pick their error message (default: pass).
  Errors are ``ConversionError``s whose ``message`` and ``kind`` follow flytekit's wording and exception
  class for the same failure: error documents are compared with flytekit's.
  ``engine`` is this module's ``Engine`` (for recursion into element types), ``sink`` is a ``Sink``.
* Transformers raise; the public functions ``literal_type_of`` / ``to_literal`` / ``to_python`` at the
  bottom wrap the result in ``returns.Result`` so callers see failures as values.  They are total: any
  exception a conversion raises (a user's ``HashMethod``, a value whose ``__eq__`` explodes) becomes a
  ``Failure(ConversionError)``.
* ``ConversionError.path`` says where inside a value the problem is (``[3]``, ``["k"]``); containers
  prepend their segment while the error travels up, callers prepend the variable name (``o0[3]``).
* Nothing here performs I/O, and nothing here calls back into code that does (no hook, no global accessor).
  The engine *plans* I/O as data, the shell carries it out:

  - **Outputs.** A local file or folder becomes an :class:`Upload`; bytes a conversion produced in memory (a
    pickle stream, a ``.npy``, parquet/CSV, JSON lines) become an :class:`UploadBytes`. Both are collected in
    the ``Sink`` and written by the shell before ``outputs.pb``.
  - **Inputs read eagerly** (a pickled value, a numpy array, a dataframe, ``Iterator[JSON]``) ask the sink for
    their data (``sink.read_file`` / ``sink.read_directory``). The data comes from
    ``ConversionContext.blobs``, a mapping :class:`BlobRead` -> bytes (a folder: relative path -> bytes;
    ``None``: the blob does not exist) that the caller filled. A read that is not in it yet is recorded and
    answered with ``None``; the conversion finishes with placeholders and the public ``to_python`` returns
    ``Failure(BlobsNeeded(reads))`` instead of a value. The caller fetches those blobs and converts again with
    them (several rounds only if new reads appear, each adds at least one blob, so it ends). Same literal, same
    blobs, same seed: same value and names (deterministic); a missing blob is a ``ConversionError`` naming
    its URI (total).
  - **Lazy handles** (``FlyteFile``, ``FlyteDirectory``, ``StructuredDataset`` wrappers, ``FlyteSchema``) are
    made here as plain data; the *user's code* fetches their data when it opens them, through the accessor
    the api layer gets from the run (never from here).

``Annotated[T, ...]`` is resolved here (see ``annotated.py`` for the metadata that matters): the engine
applies ``FlyteAnnotation`` to the LiteralType and ``HashMethod`` to the literal, and hands the transformer
the plain ``T``.

Laws (run in ``property_tests/test_type_engine_dispatch_laws.py`` unless named otherwise; flytekit's wording of
the per-value checks and of ``str()`` of its models pinned in ``tests/test_type_engine_dispatch.py``):

* **Caches are invisible.** Whatever was resolved before, in whatever order, and after ``forget()``, a type gets the
  same transformer and LiteralType as on a fresh engine; a returned LiteralType is the caller's copy.
* **Names never repeat.** Within one conversion, whatever tentative children are adopted or discarded, the sink
  never hands out a name twice (siblings forked together may share one; at most one of them is kept).
* **Paths compose.** ``err.under(a).under(b)`` shows ``b + a`` before the message.
* **Deterministic.** Same value, type and seed: same literal and planned uploads.
* **Total.** The public functions return a ``Result`` for any input (``property_tests/test_type_engine_laws.py``).
* **Blob rounds.** The reads a conversion asks for are the reads it needs; given them, it answers
  (``property_tests/test_conversion_io_laws.py``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Protocol

import attrs
from returns.result import Failure, Result, Success

if typing.TYPE_CHECKING:  # pragma: no cover
    from flyteidl.core import literals_pb2, types_pb2


class ConversionError(Exception):
    """A value or literal does not fit the declared type.

    ``message`` is worded as flytekit 1.16 words the same failure (error documents are compared with
    flytekit's); ``kind`` is the class name of the exception flytekit raises there (what an error document's
    message starts with); ``path`` names where inside the value (``[3]``, ``["k"]``, ``o0[3]``) -- flytekit's
    messages have no such thing, so it is kept apart and ``str()`` shows it as a prefix.
    """

    def __init__(self, message: str, path: str = "", kind: str = "TypeTransformerFailedError") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def under(self, segment: str) -> ConversionError:
        """Prepend a path segment (``[3]``, ``["k"]``, ``o0``) and return self, for ``raise exc.under(...)``."""
        self.path = segment + self.path
        return self


class UnsupportedTypeError(ConversionError):
    """No transformer owns this python type."""


@attrs.frozen
class Upload:
    """A local file or directory the shell must upload to ``remote`` before outputs.pb is written."""

    local_path: str
    remote: str
    is_directory: bool = False


@attrs.frozen
class UploadBytes:
    """Bytes a conversion produced in memory, to be written at ``remote`` before outputs.pb (no local file)."""

    remote: str
    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")


PlannedUpload = Upload | UploadBytes
"""What the shell carries out after an output conversion, before outputs.pb."""


@attrs.frozen
class BlobRead:
    """A blob an input conversion needs: one file, or every file under a folder (``is_directory``)."""

    uri: str
    is_directory: bool = False


BlobData = Any
"""What the caller supplies for one :class:`BlobRead`: ``bytes`` (a file), a mapping relative path -> bytes (a
folder; ``""`` when the URI named one file), or ``None`` (nothing exists there)."""


class _Pending:
    """The placeholder value of an input whose blob has not been supplied yet (never reaches a task)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<pending blob>"


PENDING: Final = _Pending()


class BlobsNeeded(ConversionError):
    """Not a failure of the value: the conversion needs ``reads`` fetched first (see the module docstring)."""

    def __init__(self, reads: tuple[BlobRead, ...]) -> None:
        super().__init__("the conversion needs data from storage first: " + ", ".join(r.uri for r in reads))
        self.reads = reads


class BlobMissing(ConversionError):
    """A blob an input conversion needs does not exist (the caller looked and found nothing)."""

    def __init__(self, uri: str) -> None:
        super().__init__(f"the blob {uri} does not exist", kind="FlyteDataNotFoundException")
        self.uri = uri


@attrs.frozen
class ConversionContext:
    """Everything a conversion may need from the outside world, passed in as values.

    ``raw_output_prefix``: where offloaded data (files, directories, dataframes) go.
    ``local_sandbox``: a local directory under which inputs that are files get their local paths.
    ``name_seed``: a random hex string from the shell; remote/local names are derived from it and the
      value's path, so a conversion is deterministic for a given seed.
    ``use_old_dc_format``: ``FLYTE_USE_OLD_DC_FORMAT`` (dataclasses/dicts as Struct instead of msgpack).
    ``blobs``: the data of blobs input conversions read eagerly, fetched by the caller (:class:`BlobRead` ->
      :data:`BlobData`); empty on the first round.
    ``classes``: the api classes the engine must build without being given them in the annotation (a
      ``FlyteFile`` for an ``os.PathLike`` input, the ``StructuredDataset`` wrapper a dataframe encoder
      receives), by name; supplied by the caller, since the core does not import the api package.
    ``handler_context``: the ``ctx`` a user-registered StructuredDataset encoder/decoder receives (user code
      doing its own I/O, as flytekit's handlers do); supplied by the caller, ``None`` outside a run.

    Contexts compare and hash by their settings only: the data fields (``blobs``, ``classes``,
    ``handler_context``) are left out (a dict is unhashable; two rounds of one conversion share the settings).
    """

    raw_output_prefix: str = ""
    local_sandbox: str = ""
    name_seed: str = "0" * 32
    use_old_dc_format: bool = False
    blobs: Mapping[BlobRead, BlobData] = attrs.field(factory=dict, eq=False, hash=False)
    classes: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False)
    handler_context: Any = attrs.field(default=None, eq=False, hash=False)


DEFAULT_CONTEXT: Final = ConversionContext()
"""No raw-output prefix, no sandbox, a fixed seed: enough for values that plan no uploads."""


class Sink:
    """Collects the side effects a conversion plans (uploads, reads) while the engine recurses.

    It is created inside one public call and returned as a value, so the public functions stay pure.
    """

    __slots__ = ("_counter", "context", "reads", "uploads")

    def __init__(self, context: ConversionContext) -> None:
        self.context = context
        self.uploads: list[PlannedUpload] = []
        self.reads: dict[BlobRead, None] = {}  # an ordered set: the reads in the order they were asked for
        self._counter = 0

    def unique_hex(self) -> str:
        """The n-th name of this conversion: the first 32 hex digits of sha256(``"<name_seed>:<n>"``), n = 1, 2, ...
        (deterministic per seed; a forked child continues the count, see :meth:`fork`)."""
        import hashlib

        self._counter += 1
        return hashlib.sha256(f"{self.context.name_seed}:{self._counter}".encode()).hexdigest()[:32]

    def plan_upload(self, upload: PlannedUpload) -> None:
        self.uploads.append(upload)

    def plan_bytes(self, remote: str, data: bytes) -> None:
        """Plan writing ``data`` (produced in memory by a conversion) at ``remote``."""
        self.uploads.append(UploadBytes(remote, data))

    def read_file(self, uri: str) -> bytes | None:
        """The bytes of the file at ``uri`` if the caller supplied them, else None (the read is recorded).

        Raises :class:`BlobMissing` when the caller found nothing there."""
        data: bytes | None = self._read(BlobRead(uri, False))
        return data

    def read_stored(self, uri: str, what: str) -> bytes | None:
        """:meth:`read_file`, where a file the caller found missing is the conversion error ``<what> at <uri>: it
        does not exist`` (what a transformer that reads one stored file reports)."""
        try:
            return self.read_file(uri)
        except BlobMissing as exc:
            raise ConversionError(f"{what} at {uri}: it does not exist") from exc

    def read_directory(self, uri: str) -> Mapping[str, bytes] | None:
        """Every file under ``uri`` (relative path -> bytes; ``""`` when ``uri`` is one file) if supplied, else
        None (the read is recorded). Raises :class:`BlobMissing` when nothing is there."""
        data: Mapping[str, bytes] | None = self._read(BlobRead(uri, True))
        return data

    def _read(self, read: BlobRead) -> Any:
        blobs = self.context.blobs
        if read in blobs:
            found = blobs[read]
            if found is None:
                raise BlobMissing(read.uri)
            return found
        self.reads[read] = None
        return None

    def fork(self) -> Sink:
        """A child for a tentative conversion (a union variant): its uploads count only if ``adopt``-ed."""
        child = Sink(self.context)
        child._counter = self._counter
        return child

    def adopt(self, child: Sink) -> None:
        """Take over a forked child's uploads and reads (and keep its names unique)."""
        self.uploads.extend(child.uploads)
        self.skip_names(child)

    def skip_names(self, child: Sink) -> None:
        """A forked child was discarded: still never hand out the names it used, and still fetch what it
        wanted to read (with the data, the next round may take that branch)."""
        self._counter = max(self._counter, child._counter)
        self.reads.update(child.reads)


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
    uploads: tuple[PlannedUpload, ...] = ()


@attrs.frozen
class Resolved:
    """What the engine found for one python type: who converts it, the plain type, the metadata that matters.

    ``write`` is the transformer's in-place writer, or None (then ``to_literal`` + ``CopyFrom`` is used).
    """

    transformer: Transformer
    tp: Any
    declared: Any = None
    annotation: dict[str, Any] | None = None
    hasher: Any = None
    accepts_none: bool = False
    write: Callable[..., None] | None = None


_NONE_TYPE: Final = type(None)

_classes: dict[str, Any] = {}


def _new_literal() -> literals_pb2.Literal:
    """A fresh ``Literal`` (flyteidl is imported on first use, so importing the engine stays cheap)."""
    cls = _classes.get("Literal")
    if cls is None:
        from flyteidl.core import literals_pb2

        cls = _classes["Literal"] = literals_pb2.Literal
    new: Any = cls()
    return new


def _new_literal_type() -> types_pb2.LiteralType:
    cls = _classes.get("LiteralType")
    if cls is None:
        from flyteidl.core import types_pb2

        cls = _classes["LiteralType"] = types_pb2.LiteralType
    new: Any = cls()
    return new


def type_name(tp: Any) -> str:
    """A short human name for a type in messages: ``int``, ``date``, ``typing.List[int]``, ``mymodule.Color``."""
    if isinstance(tp, type) and typing.get_origin(tp) is None:
        return (
            tp.__qualname__
            if tp.__module__ in ("builtins", "datetime")
            else f"{tp.__module__}.{tp.__qualname__}"
        )
    if tp is None:
        return "None"
    return repr(tp)


def value_str(value: Any) -> str:
    """``str(value)`` as flytekit's messages interpolate it, safe against a ``__str__`` that raises."""
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def idl_text(message: Any) -> str:
    """A protobuf message the way flytekit's model objects print it (``str(model)``) in error messages.

    ``Flyte Serialized object (<Type>):`` then one line per set field, nested messages indented by two more
    spaces under ``name:`` (empty ones left out), other values as ``name: <str(value)>`` with whitespace
    collapsed and cut to 80 characters.
    """
    return f"Flyte Serialized object ({type(message).__name__}):\n" + _yaml_like(message, 2).rstrip("\n")


def _yaml_like(message: Any, indent: int) -> str:
    import textwrap

    lines: list[str] = []
    for field, value in message.ListFields():
        inner = getattr(value, "ListFields", None)
        if inner is not None:
            if inner():
                lines.append(" " * indent + field.name + ":\n")
                lines.append(_yaml_like(value, indent + 2))
            continue
        text = textwrap.shorten(str(value).strip(), width=80)
        if text:
            lines.append(" " * indent + field.name + ": " + text + "\n")
    return "".join(lines)


def describe_value(value: Any, limit: int = 80) -> str:
    """``'x' (str)``: a bounded repr plus the value's type, for error messages."""
    try:
        text = repr(value)
    except Exception:
        text = f"<unprintable {type(value).__name__}>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} ({type(value).__qualname__})"


class Engine:
    """Finds the transformer for a type and recurses. Transformers are tried in registration order.

    Lookups and literal types are cached per python type object, so per-element recursion costs one dict
    lookup. Each cache holds at most 4096 types (an entry keeps its type alive): the next new type empties it.
    """

    _ID_CACHE_LIMIT: Final = 4096

    def __init__(self, transformers: Sequence[Transformer]) -> None:
        self._transformers = tuple(transformers)
        self._by_id: dict[int, tuple[Any, Resolved]] = {}
        self._lt_by_id: dict[int, tuple[Any, types_pb2.LiteralType]] = {}

    @property
    def transformers(self) -> tuple[Transformer, ...]:
        return self._transformers

    def forget(self) -> None:
        """Drop the per-type caches (a StructuredDataset handler registered for a class changes who owns it)."""
        self._by_id.clear()
        self._lt_by_id.clear()

    def put_first(self, transformer: Transformer) -> None:
        """Try ``transformer`` before every other one from now on (once; the caches are dropped).

        This is the mechanism behind flytekit's ``TypeEngine.register`` (a user's transformer owns its type
        before any built-in one); who may register what is decided by the caller, not here.
        """
        if any(t is transformer for t in self._transformers):
            return
        self._transformers = (transformer, *self._transformers)
        self.forget()

    # -- lookup -----------------------------------------------------------------------------------------

    def resolve(self, tp: Any) -> Resolved:
        """The transformer, plain type and effective metadata for ``tp`` (raises ``UnsupportedTypeError``).

        Caches are keyed by identity, never by equality: ``Union[int, str] == Union[str, int]`` in python,
        but their variant order (and so their LiteralType) differs.  An entry keeps its type alive, so an
        id is never reused while cached.
        """
        hit = self._by_id.get(id(tp))
        if hit is not None and hit[0] is tp:
            return hit[1]
        found = self._resolve_uncached(tp)
        if len(self._by_id) >= self._ID_CACHE_LIMIT:
            self._by_id.clear()
        self._by_id[id(tp)] = (tp, found)
        return found

    def _resolve_uncached(self, tp: Any) -> Resolved:
        from flyte_entrypoint.core.type_engine import annotated

        metadata: tuple[Any, ...] = ()
        current = tp
        while True:
            for t in self._transformers:
                if t.handles(current):
                    loaded = getattr(t, "loaded", None)  # a registry.Lazy: work with the real transformer
                    if loaded is not None:
                        t = loaded()
                    # a transformer that claims an Annotated type itself (dataframes: columns, format) still gets
                    # its HashMethod applied by the engine
                    claimed = _annotated_metadata(current)
                    return Resolved(
                        transformer=t,
                        tp=current,
                        declared=tp,
                        annotation=annotated.annotation_data(metadata),
                        hasher=annotated.hash_method(metadata + claimed),
                        accepts_none=bool(getattr(t, "accepts_none", False)),
                        write=getattr(t, "write", None),
                    )
            if annotated.is_annotated(current):
                current, extra = annotated.split_annotated(current)
                metadata = metadata + extra
                continue
            raise UnsupportedTypeError(
                f"Type {type_name(tp)} is not supported by flyte-entrypoint's type engine"
            )

    def transformer_for(self, tp: Any) -> Transformer:
        return self.resolve(tp).transformer

    def tag_of(self, tp: Any) -> str:
        """The union ``structure.tag`` for a variant: the name of the transformer that handles it."""
        return self.resolve(tp).transformer.name

    # -- types ------------------------------------------------------------------------------------------

    def literal_type(self, tp: Any) -> types_pb2.LiteralType:
        """The LiteralType of ``tp`` including FlyteAnnotation data (a fresh message the caller may modify)."""
        hit = self._lt_by_id.get(id(tp))
        if hit is not None and hit[0] is tp:
            cached = hit[1]
        else:
            r = self.resolve(tp)
            cached = r.transformer.literal_type(r.tp, self)
            if r.annotation is not None:
                from flyte_entrypoint.core.type_engine import annotated

                annotated.apply_type_annotation(cached, r.annotation)
            if len(self._lt_by_id) >= self._ID_CACHE_LIMIT:
                self._lt_by_id.clear()
            self._lt_by_id[id(tp)] = (tp, cached)
        fresh = _new_literal_type()
        fresh.CopyFrom(cached)
        return fresh

    def plain_literal_type(self, tp: Any) -> types_pb2.LiteralType:
        """The transformer's own LiteralType for ``tp``, ignoring the top level's FlyteAnnotation.

        This is what flytekit stores as a union literal's ``type`` (it calls the transformer directly).
        """
        r = self.resolve(tp)
        if r.annotation is None:
            return self.literal_type(tp)
        return r.transformer.literal_type(r.tp, self)

    # -- values -----------------------------------------------------------------------------------------

    def to_literal(self, value: Any, tp: Any, sink: Sink) -> literals_pb2.Literal:
        """Encode ``value`` with flytekit's per-value checks (no tuples, no None unless allowed) and hash."""
        target = _new_literal()
        self.write_literal(value, tp, sink, target)
        return target

    def write_literal(self, value: Any, tp: Any, sink: Sink, target: literals_pb2.Literal) -> None:
        """``to_literal`` into an empty ``target`` (e.g. ``collection.literals.add()``)."""
        self.write_with(self.resolve(tp), value, sink, target)

    def write_with(self, r: Resolved, value: Any, sink: Sink, target: literals_pb2.Literal) -> None:
        """``write_literal`` for an already resolved type (containers resolve their element type once).

        The checks before the transformer are flytekit's ``TypeEngine.to_literal`` ones, in its order and
        words: no tuples, no None (unless the type allows it), a builtin generic (``list[int]``) needs an
        instance of its origin.
        """
        if isinstance(value, tuple):
            raise ConversionError(
                "Tuples are not a supported type for individual values in Flyte - got a tuple -"
                f" {value_str(value)}. If using named tuple in an inner task, please, de-reference the"
                "actual attribute that you want to use. For example, in NamedTuple('OP', x=int) then"
                "return v.x, instead of v, even if this has a single element",
                kind="AssertionError",
            )
        if value is None and not r.accepts_none and r.declared is not typing.Any:
            raise ConversionError(
                f"Python value cannot be None, expected {r.declared}/{idl_text(self.literal_type(r.declared))}"
            )
        if isinstance(r.declared, types.GenericAlias):
            origin = typing.get_origin(r.declared)
            if not isinstance(value, origin):
                raise ConversionError(f"Value '{value_str(value)}' is not of container type {origin}")
        if r.write is not None:
            r.write(value, r.tp, self, sink, target)
        else:
            target.CopyFrom(r.transformer.to_literal(value, r.tp, self, sink))
        if r.hasher is not None:
            target.hash = r.hasher.calculate(value)

    def read_with(self, r: Resolved, literal: literals_pb2.Literal, sink: Sink) -> Any:
        """``to_python`` for an already resolved type."""
        return r.transformer.to_python(literal, r.tp, self, sink)

    def variant_literal(self, value: Any, tp: Any, sink: Sink) -> literals_pb2.Literal:
        """Encode ``value`` as one union variant: the transformer alone, without the per-value checks/hash.

        flytekit's UnionTransformer calls each variant's transformer directly; mirror that.
        """
        r = self.resolve(tp)
        if r.write is not None:
            target = _new_literal()
            r.write(value, r.tp, self, sink, target)
            return target
        return r.transformer.to_literal(value, r.tp, self, sink)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, sink: Sink) -> Any:
        r = self.resolve(tp)
        return r.transformer.to_python(literal, r.tp, self, sink)


def _annotated_metadata(tp: Any) -> tuple[Any, ...]:
    """Every ``Annotated`` metadata item of ``tp`` (python flattens nested ``Annotated`` into one level)."""
    return tuple(typing.get_args(tp)[1:]) if typing.get_origin(tp) is typing.Annotated else ()


def default_engine() -> Engine:
    """The registry's engine (imported lazily: the registry imports every transformer module)."""
    from flyte_entrypoint.core.type_engine import registry

    engine: Engine = registry.ENGINE
    return engine


def as_conversion_error(exc: Exception) -> ConversionError:
    """``exc`` itself if it is a ConversionError, else one that names the exception (chained)."""
    if isinstance(exc, ConversionError):
        return exc
    wrapped = ConversionError(f"{type(exc).__name__}: {exc}")
    wrapped.__cause__ = exc
    return wrapped


def literal_type_of(tp: Any, engine: Engine | None = None) -> Result[types_pb2.LiteralType, ConversionError]:
    """The Flyte LiteralType flytekit 1.16 declares for python type ``tp``."""
    eng = engine or default_engine()
    try:
        return Success(eng.literal_type(tp))
    except RecursionError:
        return Failure(ConversionError(f"Type {type_name(tp)} is nested too deeply"))
    except Exception as exc:
        return Failure(as_conversion_error(exc))


def to_literal(
    value: Any, tp: Any, context: ConversionContext = ConversionContext(), engine: Engine | None = None
) -> Result[Converted, ConversionError]:
    """Encode ``value`` (declared as ``tp``) as flytekit 1.16 would; ``Converted.value`` is the Literal."""
    eng = engine or default_engine()
    sink = Sink(context)
    try:
        lit = eng.to_literal(value, tp, sink)
    except RecursionError:
        return Failure(ConversionError(f"The value for {type_name(tp)} is nested too deeply"))
    except Exception as exc:
        return Failure(as_conversion_error(exc))
    return Success(Converted(lit, tuple(sink.uploads)))


def to_python(
    literal: literals_pb2.Literal,
    tp: Any,
    context: ConversionContext = ConversionContext(),
    engine: Engine | None = None,
) -> Result[Any, ConversionError]:
    """Decode ``literal`` into a value of python type ``tp`` (flytekit 1.16's reading rules)."""
    eng = engine or default_engine()
    sink = Sink(context)
    try:
        value = eng.to_python(literal, tp, sink)
    except RecursionError:
        return Failure(_needed(sink) or ConversionError(f"The literal for {type_name(tp)} is nested too deeply"))
    except Exception as exc:
        return Failure(_needed(sink) or as_conversion_error(exc))
    needed = _needed(sink)
    return Failure(needed) if needed is not None else Success(value)


def _needed(sink: Sink) -> BlobsNeeded | None:
    """The reads a conversion recorded: while any is missing, its value (or failure) is not the answer."""
    return BlobsNeeded(tuple(sink.reads)) if sink.reads else None


Factory = Callable[[], Transformer]
