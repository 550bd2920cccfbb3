"""``typing.Union[...]``, ``Optional[T]`` and ``A | B`` (flytekit's ``UnionTransformer``, PROTOCOL.md 10.2).

LiteralType: ``union_type { variants ... }``, each variant's full LiteralType (FlyteAnnotation included) whose
``structure`` is **replaced** by ``{tag: <name of the variant's transformer>}``.

Writing tries every variant's transformer on the value (without the per-value checks, as flytekit does).  No
match is an error; several matches are an "ambiguous" error, except that a bare ``str`` matching both ``str``
and an Enum picks ``str`` (1.16.31).  The result is always a union literal -- an ``Optional`` output too --
``scalar { union { value: <variant literal> type: <variant's own LiteralType + tag> } }``.

Reading, byte-for-byte flytekit's rules where flytekit succeeds:

* a union literal with a tag: only variants whose transformer name equals the tag **and** whose LiteralType
  the stored type can be cast to are tried, on the value inside; more than one success is ambiguous;
* a plain literal: every variant is tried; exactly one success wins.

Deliberate differences (flytekit fails where these succeed; PROTOCOL.md 13, Q18):

* a union literal **without** a tag (no ``structure``, or an empty tag) is decoded from the value inside it,
  preferring the variants the stored type can be cast to (flytekit passes the wrapper itself to every
  variant, so nothing ever matches);
* when several variants accept a plain literal, the one whose LiteralType is exactly the literal's kind wins
  (``integer`` → ``int`` in ``Union[int, float]``, ``float_value`` → ``float``, ``string_value`` → ``str``
  over an Enum, ``none_type`` → ``None``); flytekit reports these as ambiguous.  Still-tied cases (say
  ``Union[datetime, date]``) stay ambiguous.

Laws (run in ``property_tests/test_type_engine_laws.py``, whose generated types include unions and optionals):
a value reads back as itself (``test_round_trip_is_identity``); the union literal records the variant it came
from, and an ``Optional`` output is always a union literal (``test_optional_outputs_are_union_literals``);
writing and reading are total (``test_to_literal_is_total``, ``test_to_python_is_total``).
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Any, Final

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Resolved, Sink, value_str
from flyte_entrypoint.core.type_engine.enums import EnumTransformer
from flyte_entrypoint.core.type_engine.simple import SimpleTransformer, literal_kind

__all__ = ["UNION", "UnionTransformer", "are_types_castable", "is_union_type"]

_ST = types_pb2.SimpleType


def is_union_type(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType)


def _essence(lt: types_pb2.LiteralType) -> types_pb2.LiteralType:
    if lt.HasField("metadata") or lt.HasField("structure") or lt.HasField("annotation"):
        copy = types_pb2.LiteralType()
        copy.CopyFrom(lt)
        copy.ClearField("metadata")
        copy.ClearField("structure")
        copy.ClearField("annotation")
        return copy
    return lt


def are_types_castable(upstream: types_pb2.LiteralType, downstream: types_pb2.LiteralType) -> bool:
    """flytekit's ``_are_types_castable``: can a value of type ``upstream`` be read as ``downstream``?"""
    if upstream.HasField("union_type"):
        return all(are_types_castable(v, downstream) for v in upstream.union_type.variants)
    if downstream.HasField("union_type") and any(
        are_types_castable(upstream, v) for v in downstream.union_type.variants
    ):
        return True
    if upstream.HasField("collection_type"):
        if not downstream.HasField("collection_type"):
            return False
        return are_types_castable(upstream.collection_type, downstream.collection_type)
    if upstream.HasField("map_value_type"):
        if not downstream.HasField("map_value_type"):
            return False
        return are_types_castable(upstream.map_value_type, downstream.map_value_type)
    if upstream.HasField("structured_dataset_type"):
        if not downstream.HasField("structured_dataset_type"):
            return False
        up, down = upstream.structured_dataset_type, downstream.structured_dataset_type
        if (
            up.format != down.format
            or up.external_schema_type != down.external_schema_type
            or up.external_schema_bytes != down.external_schema_bytes
            or len(up.columns) != len(down.columns)
        ):
            return False
        return all(
            u.name == d.name and are_types_castable(u.literal_type, d.literal_type)
            for u, d in zip(up.columns, down.columns)
        )
    if (
        upstream.HasField("enum_type")
        and downstream.WhichOneof("type") == "simple"
        and downstream.simple == _ST.STRING
    ):
        return True
    return bool(_essence(upstream) == _essence(downstream))


_KIND_TO_SIMPLE: Final = {
    "integer": _ST.INTEGER,
    "float_value": _ST.FLOAT,
    "string_value": _ST.STRING,
    "boolean": _ST.BOOLEAN,
    "datetime": _ST.DATETIME,
    "duration": _ST.DURATION,
    "none_type": _ST.NONE,
}


class _Variant:
    """One variant of a union type, with what matching needs precomputed."""

    __slots__ = ("full_type", "pure", "resolved", "simple", "stored_type", "tag", "tp")

    def __init__(self, tp: Any, engine: Engine) -> None:
        self.tp = tp
        self.resolved: Resolved = engine.resolve(tp)
        self.tag = self.resolved.transformer.name
        t = self.resolved.transformer
        self.simple: SimpleTransformer | None = t if isinstance(t, SimpleTransformer) else None
        # transformers that never plan uploads: no need to isolate their attempts in a forked sink
        self.pure = isinstance(t, (SimpleTransformer, EnumTransformer))
        self.full_type = engine.literal_type(tp)
        stored = engine.plain_literal_type(tp)
        stored.ClearField("structure")
        stored.structure.tag = self.tag
        self.stored_type = stored

    def loosely_accepts(self, value: Any) -> bool:
        """flytekit's ``assert_type`` of this variant: the cheap pre-check a union value must pass somewhere.

        A transformer may define ``loosely_accepts(value, tp)``; otherwise: simple types need ``isinstance``
        (so ``True`` passes for ``int``), builtin generics an instance of their origin, enums one of their
        values, and everything else passes.
        """
        tp = self.tp
        t = self.resolved.transformer
        custom = getattr(t, "loosely_accepts", None)
        if custom is not None:
            return bool(custom(value, tp))
        if isinstance(t, EnumTransformer) and tp is self.resolved.tp:
            raw = value.value if isinstance(value, enum.Enum) else value
            try:
                return bool(raw in t.values(tp))
            except Exception:
                return False  # a value that cannot be compared with the enum's values
        if isinstance(tp, types.GenericAlias):
            return isinstance(value, typing.get_origin(tp))
        if isinstance(t, SimpleTransformer) and tp is self.resolved.tp:
            return isinstance(value, t.py_type)
        return True

    def castable_from(self, stored: types_pb2.LiteralType) -> bool:
        return bool(stored == self.stored_type) or are_types_castable(stored, self.full_type)


class UnionTransformer:
    """All unions; the per-type variant plans are cached by identity of the union type."""

    name = "Typed Union"
    accepts_none = True

    def __init__(self) -> None:
        self._plans: dict[tuple[int, int], tuple[Engine, Any, tuple[_Variant, ...]]] = {}

    def handles(self, tp: Any) -> bool:
        return is_union_type(tp)

    def _plan(self, tp: Any, engine: Engine) -> tuple[_Variant, ...]:
        """The variants of ``tp`` as resolved by ``engine``, cached by identity of both."""
        key = (id(engine), id(tp))
        hit = self._plans.get(key)
        if hit is not None and hit[0] is engine and hit[1] is tp:
            return hit[2]
        plan = tuple(_Variant(v, engine) for v in typing.get_args(tp))
        if len(self._plans) >= 1024:
            self._plans.clear()
        self._plans[key] = (engine, tp, plan)
        return plan

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        for v in typing.get_args(tp):
            variant = engine.literal_type(v)
            variant.ClearField("structure")
            variant.structure.tag = engine.tag_of(v)
            lt.union_type.variants.append(variant)
        return lt

    # -- python -> literal ------------------------------------------------------------------------------

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        plan = self._plan(tp, engine)
        if not any(v.loosely_accepts(value) for v in plan):
            raise ConversionError(f"Value {value_str(value)} is not of type {tp}")
        matches: list[tuple[_Variant, literals_pb2.Literal, Sink | None]] = []
        for variant in plan:
            simple = variant.simple
            if simple is not None:
                if type(value) is not simple.py_type:
                    continue  # cheap pre-check: write_value refuses it too
                lit = literals_pb2.Literal()
                try:
                    simple.write_value(value, lit)
                except ConversionError:
                    continue
                matches.append((variant, lit, None))
                continue
            child = None if variant.pure else sink.fork()
            try:
                lit = engine.variant_literal(value, variant.tp, child or sink)
            except Exception:
                if child is not None:
                    sink.skip_names(child)
                continue
            matches.append((variant, lit, child))
        if not matches:
            raise ConversionError(f"Cannot convert from {value_str(value)} to {tp}")
        if len(matches) > 1:
            exact = [m for m in matches if m[0].tp is str] if type(value) is str else []
            if len(exact) != 1:
                for m in matches:
                    if m[2] is not None:
                        sink.skip_names(m[2])
                raise ConversionError(
                    "Ambiguous choice of variant for union type.\n"
                    f"Potential types: {[m[0].tp for m in matches]}\n"
                    "These types are structurally the same, because it's attributes have the same names and "
                    "associated types.",
                    kind="TypeError",
                )
            for m in matches:
                if m[2] is not None and m is not exact[0]:
                    sink.skip_names(m[2])
            matches = exact
        variant, lit, child = matches[0]
        if child is not None:
            sink.adopt(child)
        union = target.scalar.union
        union.value.CopyFrom(lit)
        union.type.CopyFrom(variant.stored_type)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        target = literals_pb2.Literal()
        self.write(value, tp, engine, sink, target)
        return target

    # -- literal -> python ------------------------------------------------------------------------------

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        plan = self._plan(tp, engine)
        if literal.WhichOneof("value") == "scalar" and literal.scalar.WhichOneof("value") == "union":
            union = literal.scalar.union
            tag = union.type.structure.tag if union.type.HasField("structure") else ""
            if tag:
                return self._read_tagged(literal, union, tag, plan, tp, engine, sink)
            try:
                return self._read_untagged(union, plan, tp, engine, sink)
            except ConversionError:
                shown = tag if union.type.HasField("structure") else None
                raise ConversionError(
                    f"Cannot convert from {literal} to {tp} (using tag {shown})", kind="TypeError"
                ) from None
        return self._read_plain(literal, plan, tp, engine, sink)

    def _read_tagged(
        self,
        literal: literals_pb2.Literal,
        union: literals_pb2.Union,
        tag: str,
        plan: tuple[_Variant, ...],
        tp: Any,
        engine: Engine,
        sink: Sink,
    ) -> Any:
        found: _Variant | None = None
        result: Any = None
        for variant in plan:
            if variant.tag != tag or not variant.castable_from(union.type):
                continue
            try:
                value = engine.read_with(variant.resolved, union.value, sink)
            except Exception:
                continue
            if found is not None:
                raise _ambiguous_read(found, variant)
            found, result = variant, value
        if found is None:
            raise ConversionError(f"Cannot convert from {literal} to {tp} (using tag {tag})", kind="TypeError")
        return result

    def _read_untagged(
        self, union: literals_pb2.Union, plan: tuple[_Variant, ...], tp: Any, engine: Engine, sink: Sink
    ) -> Any:
        stored = union.type if union.HasField("type") and union.type.WhichOneof("type") else None
        if stored is not None:
            castable = tuple(v for v in plan if v.castable_from(stored))
            if castable:
                try:
                    return self._read_plain(union.value, castable, tp, engine, sink)
                except ConversionError:
                    pass
        return self._read_plain(union.value, plan, tp, engine, sink)

    def _read_plain(
        self,
        literal: literals_pb2.Literal,
        plan: tuple[_Variant, ...],
        tp: Any,
        engine: Engine,
        sink: Sink,
    ) -> Any:
        successes: list[tuple[_Variant, Any]] = []
        for variant in plan:
            try:
                successes.append((variant, engine.read_with(variant.resolved, literal, sink)))
            except Exception:  # this variant cannot read it
                pass
        if len(successes) == 1:
            return successes[0][1]
        if not successes:
            raise ConversionError(f"Cannot convert from {literal} to {tp} (using tag None)", kind="TypeError")
        simple = _KIND_TO_SIMPLE.get(literal_kind(literal))
        if simple is not None:
            exact = [
                s
                for s in successes
                if s[0].stored_type.WhichOneof("type") == "simple" and s[0].stored_type.simple == simple
            ]
            if len(exact) == 1:
                return exact[0][1]
        raise _ambiguous_read(successes[0][0], successes[1][0])


def _ambiguous_read(first: _Variant, second: _Variant) -> ConversionError:
    return ConversionError(
        f"Ambiguous choice of variant for union type. Both {first.tag} and {second.tag} transformers match",
        kind="TypeError",
    )


UNION = UnionTransformer()
