"""flytekit's type-extension API (``TypeTransformer``, ``TypeEngine``) as an adapter over our one type engine.

Why here and not in ``core``: registering a transformer is user code run at import time, and a user's
transformer does I/O (``ctx.file_access.upload_directory``) while it converts. ``core.type_engine`` stays pure; this
module only hands it :class:`_Adapter` objects through :meth:`Engine.put_first`, so every conversion our
commands do (task inputs and outputs, collections, unions, local workflow runs) meets the user's transformer.

Contract (flytekit 1.16's ``TypeEngine``):

* ``TypeEngine.register(t, additional_types)`` claims ``t.python_type`` (and the additional types) for ``t``;
  registering a type twice, or a type flytekit's own registry holds (``int``, ``list``, ``FlyteFile``...), is
  flytekit's ``ValueError``. Resolution for a python type ``tp``, as flytekit's
  ``get_transformer``: ``Annotated[T, <a TypeTransformer instance>]`` -> that instance (if it is registered:
  an instance that never was has no adapter in our engine and is ignored); enum classes and
  ``typing.Literal[...]`` are never a user's; a generic alias -> the registration of the alias itself, else of
  its origin; a class -> its own registration, else the nearest registered class of its MRO. A registered
  transformer is consulted before every built-in one.
* A user transformer is called with flytekit's arguments: ``to_literal(ctx, value, python_type, expected)``
  after ``assert_type`` (when ``type_assertions_enabled``), ``to_python_value(ctx, literal, python_type)``,
  ``get_literal_type(python_type)``. ``ctx`` is ``FlyteContextManager.current_context()`` (inside a task run:
  the run's storage, sandbox and raw output prefix).
* Literals cross the edge as flyteidl protobuf messages: the compatibility layer's ``Literal``, ``Scalar``,
  ``Blob``, ``LiteralType``... *are* the protobuf classes, so a transformer written against flytekit's models
  builds protobufs; a value with ``to_flyte_idl()`` (a flytekit-model-shaped object) is converted with it.
  A transformer receives protobuf literals and literal types (``lv.scalar.blob.uri`` reads the same).
* ``python_type`` is the type without ``Annotated[...]`` (our engine strips it before dispatch; ``HashMethod``
  and ``FlyteAnnotation`` are applied by the engine, as flytekit's ``TypeEngine`` applies them).
"""

from __future__ import annotations

import collections.abc
import datetime
import enum
import inspect
import os
import types
import typing
from typing import Any, Generic, TypeVar

from flyte_entrypoint.core.exceptions import TypeTransformerFailedError

T = TypeVar("T")

__all__ = ["TypeEngine", "TypeTransformer", "TypeTransformerFailedError"]


def _idl(value: Any) -> Any:
    """A flyteidl protobuf for a protobuf (itself) or a flytekit-model-shaped object (``to_flyte_idl()``)."""
    to_idl = getattr(value, "to_flyte_idl", None)
    return to_idl() if to_idl is not None and not hasattr(value, "SerializeToString") else value


class TypeTransformer(Generic[T]):
    """Base class of a transformer for one python type (flytekit's ``flytekit.extend.TypeTransformer``).

    Subclasses implement ``get_literal_type``, ``to_literal`` and ``to_python_value``; ``guess_python_type``
    is optional (the default refuses with ``ValueError``, which ``TypeEngine.guess_python_type`` skips).
    """

    def __init__(self, name: str, t: type[T], enable_type_assertions: bool = True) -> None:
        self._t = t
        self._name = name
        self._type_assertions_enabled = enable_type_assertions

    @property
    def name(self) -> str:
        return self._name

    @property
    def python_type(self) -> type[T]:
        return self._t

    @property
    def is_async(self) -> bool:
        return False

    @property
    def type_assertions_enabled(self) -> bool:
        """Whether ``TypeEngine.to_literal`` calls ``assert_type`` before ``to_literal``."""
        return self._type_assertions_enabled

    def isinstance_generic(self, obj: Any, generic_alias: Any) -> None:
        origin = typing.get_origin(generic_alias)
        if not isinstance(obj, origin):
            raise TypeTransformerFailedError(f"Value '{obj}' is not of container type {origin}")

    def assert_type(self, t: type[T], v: T) -> None:
        """Refuse a value that is not an instance of ``t`` (flytekit's words); generics check their origin."""
        if isinstance(t, types.GenericAlias):
            return self.isinstance_generic(v, t)
        if not hasattr(t, "__origin__") and not isinstance(v, t):
            raise TypeTransformerFailedError(f"Expected value of type {t} but got '{v}' of type {type(v)}")
        return None

    def get_literal_type(self, t: type[T]) -> Any:
        raise TypeError(f"{type(self).__name__} must implement get_literal_type(t)")

    def guess_python_type(self, literal_type: Any) -> type[T]:
        raise ValueError(f"{self._name} does not guess a python type from a Flyte literal type")

    def to_literal(self, ctx: Any, python_val: T, python_type: type[T], expected: Any) -> Any:
        raise TypeError(f"{type(self).__name__} must implement to_literal(ctx, python_val, python_type, expected)")

    def to_python_value(self, ctx: Any, lv: Any, expected_python_type: type[T]) -> T | None:
        raise TypeError(f"{type(self).__name__} must implement to_python_value(ctx, lv, expected_python_type)")

    def to_html(self, ctx: Any, python_val: T, expected_python_type: type[T]) -> str:
        return str(python_val)

    def __repr__(self) -> str:
        return f"{self._name} Transforms ({self._t}) to Flyte native"

    def __str__(self) -> str:
        return self.__repr__()


_REGISTRY: dict[Any, TypeTransformer[Any]] = {}

_FLYTEKIT_BUILTINS: dict[Any, str] = {
    # the types flytekit 1.16's own registry holds (its transformer names): registering one is refused there
    int: "int", float: "float", str: "str", bool: "bool", type(None): "none", None: "none",
    datetime.datetime: "datetime", datetime.date: "date", datetime.timedelta: "timedelta",
    list: "Typed List", dict: "Typed Dict", typing.Union: "Typed Union", types.UnionType: "Typed Union",
    typing.TextIO: "TextIO", typing.BinaryIO: "BinaryIO", enum.Enum: "DefaultEnumTransformer",
    tuple: "non typed tuple", typing.Tuple: "non typed tuple", os.PathLike: "FlyteFilePath",
    typing.Iterator: "Typed Iterator", collections.abc.Iterator: "Typed Iterator",
}
_FLYTEKIT_BUILTIN_CLASSES = {
    "FlyteFile": "FlyteFilePath", "FlyteDirectory": "FlyteDirectory", "FlyteError": "FlyteError",
    "StructuredDataset": "StructuredDataset Transformer", "FlytePickle": "FlytePickle",
}


def _builtin_name(t: Any) -> str | None:
    """The name of flytekit's own transformer registered for exactly ``t``, or None."""
    try:
        if t in _FLYTEKIT_BUILTINS:
            return _FLYTEKIT_BUILTINS[t]
    except TypeError:
        return None
    name = getattr(t, "__name__", None)
    if name in _FLYTEKIT_BUILTIN_CLASSES and str(getattr(t, "__module__", "")).startswith("flyte_entrypoint"):
        import flyte_entrypoint

        if getattr(flyte_entrypoint, name, None) is t:
            return _FLYTEKIT_BUILTIN_CLASSES[name]
    return None
_ADAPTERS: dict[int, _Adapter] = {}


def _annotated_transformer(tp: Any) -> TypeTransformer[Any] | None:
    for item in typing.get_args(tp)[1:]:
        if isinstance(item, TypeTransformer):
            return item
    return None


def user_transformer_for(tp: Any) -> TypeTransformer[Any] | None:
    """The registered transformer that owns ``tp`` by flytekit's rules (module docstring), or None."""
    if not _REGISTRY:
        return None
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _annotated_transformer(tp)
    if origin is typing.Literal or (inspect.isclass(tp) and issubclass(tp, enum.Enum)):
        return None
    if origin is not None:
        try:
            if tp in _REGISTRY:
                return _REGISTRY[tp]
        except TypeError:  # an unhashable argument (an OrderedDict of columns)
            pass
        return _REGISTRY.get(origin) if _hashable(origin) else None
    if not _hashable(tp):
        return None
    if tp in _REGISTRY:
        return _REGISTRY[tp]
    if inspect.isclass(tp):
        for base in inspect.getmro(tp)[1:]:
            if issubclass(base, enum.Enum):
                return None
            if base in _REGISTRY:
                return _REGISTRY[base]
    return None


def _hashable(tp: Any) -> bool:
    try:
        hash(tp)
    except TypeError:
        return False
    return True


def _ctx_for(sink: Any) -> Any:
    """``FlyteContextManager.current_context()`` whose ``file_access`` writes where this conversion writes.

    Our run machine converts a task's inputs and outputs outside the task body, where the current context is
    not the task's: the conversion's own raw output prefix and sandbox (``sink.context``) are authoritative,
    over the run's storage (the installed data access), as flytekit's task context would give them.
    """
    from flyte_entrypoint.shell.flyte_context import FlyteContextManager

    ctx = FlyteContextManager.current_context()
    conversion = sink.context
    fa = ctx.file_access
    if not conversion.raw_output_prefix or fa.raw_output_prefix == conversion.raw_output_prefix:
        return ctx
    from flyte_entrypoint.files import data_access
    from flyte_entrypoint.shell.file_access import FileAccessProvider

    storage = getattr(data_access(), "storage", None)
    sandbox = conversion.local_sandbox or str(fa.local_sandbox_dir)
    if storage is not None:
        access = FileAccessProvider._over(storage, sandbox, conversion.raw_output_prefix)
    else:
        access = FileAccessProvider(sandbox, conversion.raw_output_prefix)
    return ctx.with_file_access(access).build()


def _conversion_error(exc: Exception) -> Exception:
    """A user transformer's refusal as our engine's ``ConversionError`` (flytekit's exception class as kind)."""
    from flyte_entrypoint.core.type_engine.engine import ConversionError

    if isinstance(exc, ConversionError):
        return exc
    wrapped = ConversionError(str(exc), kind=type(exc).__name__)
    wrapped.__cause__ = exc
    return wrapped


class _Adapter:
    """One registered flytekit transformer as a transformer of our engine (``core.type_engine.engine`` protocol)."""

    def __init__(self, user: TypeTransformer[Any]) -> None:
        self.user = user
        self.name = user.name

    def handles(self, tp: Any) -> bool:
        return user_transformer_for(tp) is self.user

    def literal_type(self, tp: Any, engine: Any) -> Any:
        return _idl(self.user.get_literal_type(tp))

    def to_literal(self, value: Any, tp: Any, engine: Any, sink: Any) -> Any:
        try:
            if self.user.type_assertions_enabled:
                self.user.assert_type(tp, value)
            return _idl(self.user.to_literal(_ctx_for(sink), value, tp, engine.literal_type(tp)))
        except (TypeError, ValueError, AssertionError) as exc:
            raise _conversion_error(exc) from exc

    def to_python(self, literal: Any, tp: Any, engine: Any, sink: Any) -> Any:
        try:
            return self.user.to_python_value(_ctx_for(sink), literal, tp)
        except (TypeError, ValueError, AssertionError) as exc:
            raise _conversion_error(exc) from exc


class _BuiltinTransformer(TypeTransformer[Any]):
    """flytekit's transformer interface over one of our built-in transformers (``TypeEngine.get_transformer``)."""

    def __init__(self, name: str, t: Any) -> None:
        super().__init__(name, t)

    def get_literal_type(self, t: Any) -> Any:
        return TypeEngine.to_literal_type(t)

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Any) -> Any:
        return TypeEngine.to_literal(ctx, python_val, python_type, expected)

    def to_python_value(self, ctx: Any, lv: Any, expected_python_type: Any) -> Any:
        return TypeEngine.to_python_value(ctx, lv, expected_python_type)


def _conversion_context(ctx: Any) -> Any:
    from flyte_entrypoint.shell.blob_io import file_access_context

    return file_access_context(ctx.file_access)


def _engine() -> Any:
    from flyte_entrypoint.core.type_engine.registry import ENGINE

    return ENGINE


class TypeEngine(Generic[T]):
    """flytekit's ``TypeEngine`` (class methods only) over flyte-entrypoint's type engine."""

    @classmethod
    def register(cls, transformer: TypeTransformer[Any], additional_types: list[Any] | None = None) -> None:
        """Claim ``transformer.python_type`` and ``additional_types`` for ``transformer`` (before built-ins)."""
        for t in [transformer.python_type, *(additional_types or [])]:
            existing = _REGISTRY[t].name if t in _REGISTRY else _builtin_name(t)
            if existing is not None:
                # flytekit's wording: this fails the import of the module, and so its error document
                raise ValueError(
                    f"Transformer {existing} for type {t} is already registered. Cannot override with {transformer.name}"
                )
            _REGISTRY[t] = transformer
        cls._install(transformer)

    @classmethod
    def register_additional_type(
        cls, transformer: TypeTransformer[Any], additional_type: Any, override: bool = False
    ) -> None:
        if additional_type not in _REGISTRY or override:
            _REGISTRY[additional_type] = transformer
            cls._install(transformer)

    @classmethod
    def _install(cls, transformer: TypeTransformer[Any]) -> None:
        adapter = _ADAPTERS.get(id(transformer))
        if adapter is None or adapter.user is not transformer:
            adapter = _ADAPTERS[id(transformer)] = _Adapter(transformer)
        engine = _engine()
        engine.put_first(adapter)
        engine.forget()  # a new registration may change who owns an already resolved type

    @classmethod
    def get_available_transformers(cls) -> Any:
        """The python types registered through ``register`` (our built-in ones are not listed)."""
        return _REGISTRY.keys()

    @classmethod
    def get_transformer(cls, python_type: Any) -> TypeTransformer[Any]:
        """The user's transformer for ``python_type``, else a flytekit-shaped view of our built-in one."""
        user = user_transformer_for(python_type)
        if user is not None:
            return user
        from flyte_entrypoint.core.type_engine.engine import UnsupportedTypeError

        try:
            resolved = _engine().resolve(python_type)
        except UnsupportedTypeError as exc:
            raise ValueError(str(exc)) from exc
        if isinstance(resolved.transformer, _Adapter):
            return resolved.transformer.user
        return _BuiltinTransformer(resolved.transformer.name, python_type)

    @classmethod
    def to_literal_type(cls, python_type: Any) -> Any:
        """The flyteidl ``LiteralType`` of ``python_type``."""
        from flyte_entrypoint.core.type_engine.engine import literal_type_of

        return literal_type_of(python_type, _engine()).alt(_raise).unwrap()

    @classmethod
    def to_literal(cls, ctx: Any, python_val: Any, python_type: Any, expected: Any = None) -> Any:
        """``python_val`` as a flyteidl ``Literal``; the files it names are uploaded through ``ctx.file_access``."""
        from flyte_entrypoint.core.type_engine.engine import to_literal

        converted = to_literal(python_val, python_type, _conversion_context(ctx), _engine()).alt(_raise).unwrap()
        if converted.uploads:
            from flyte_entrypoint.shell.blob_io import perform_uploads

            perform_uploads(ctx.file_access._storage, list(converted.uploads))
        return converted.value

    @classmethod
    def to_python_value(cls, ctx: Any, lv: Any, expected_python_type: Any) -> Any:
        """A python value of ``expected_python_type`` from a ``Literal`` (protobuf or flytekit-model shaped); the
        blobs it reads (pickles, arrays, dataframes) are fetched through ``ctx.file_access``."""
        from flyte_entrypoint.core.type_engine.engine import to_python
        from flyte_entrypoint.shell.blob_io import convert_with_reads

        literal, engine = _idl(lv), _engine()
        return (
            convert_with_reads(
                ctx.file_access._storage,
                _conversion_context(ctx),
                lambda conversion: to_python(literal, expected_python_type, conversion, engine),
            )
            .alt(_raise)
            .unwrap()
        )

    @classmethod
    def literal_map_to_kwargs(
        cls, ctx: Any, lm: Any, python_types: dict[str, Any] | None = None, literal_types: Any = None
    ) -> dict[str, Any]:
        """Every literal of ``lm`` as the python type of the same name in ``python_types``."""
        literals = _idl(lm).literals
        types_ = python_types or {}
        missing = [k for k in literals if k not in types_]
        if missing:
            raise ValueError(f"No python type given for the literals {missing}")
        return {k: cls.to_python_value(ctx, literals[k], types_[k]) for k in literals}

    @classmethod
    def dict_to_literal_map(cls, ctx: Any, d: dict[str, Any], type_hints: dict[str, Any] | None = None) -> Any:
        """A flyteidl ``LiteralMap`` of ``d``; a value's type is its hint, else ``type(value)``."""
        from flyteidl.core import literals_pb2

        hints = type_hints or {}
        return literals_pb2.LiteralMap(
            literals={k: cls.to_literal(ctx, v, hints.get(k, type(v))) for k, v in d.items()}
        )

    @classmethod
    def guess_python_type(cls, flyte_type: Any) -> Any:
        """The python type a registered transformer guesses for a literal type (``ValueError`` if none does)."""
        for transformer in dict.fromkeys(_REGISTRY.values()):
            try:
                return transformer.guess_python_type(flyte_type)
            except ValueError:
                continue
        raise ValueError(f"No registered transformer reverses the Flyte literal type {flyte_type}")

    @classmethod
    def guess_python_types(cls, flyte_variable_dict: dict[str, Any]) -> dict[str, Any]:
        return {k: cls.guess_python_type(v.type) for k, v in flyte_variable_dict.items()}

    @classmethod
    def to_html(cls, ctx: Any, python_val: Any, expected_python_type: Any) -> str:
        return cls.get_transformer(expected_python_type).to_html(ctx, python_val, expected_python_type)


def _raise(err: Exception) -> Any:
    """A failed conversion as flytekit's callers catch it: ``TypeTransformerFailedError`` (a ``TypeError``,
    ``AssertionError`` and ``ValueError``), with our engine's message, chained to the original."""
    raise TypeTransformerFailedError(str(err)) from err
