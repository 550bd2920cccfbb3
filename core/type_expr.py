"""Python type expressions typed by a person (``dict[str, float]``, ``Optional[list[int]]``) -> types.

Nothing is evaluated: the text is parsed with :mod:`ast` and only names from a fixed table, subscripts
of the generic ones and ``|`` unions are accepted, so a ``--type`` option can never run code.

Accepted: ``int float str bool bytes None``, ``datetime``/``datetime.datetime``, ``date``,
``timedelta`` (also with a ``datetime.`` prefix), ``list[T]``/``List[T]``, ``dict[K, V]``/``Dict[K, V]``,
bare ``dict`` (untyped, msgpack), ``Optional[T]``, ``Union[A, B, ...]``, ``A | B``, ``FlyteFile``,
``FlyteDirectory`` (with a format subscript: ``FlyteFile["csv"]``), ``Any`` and ``NoneType``, each also
with a ``typing.`` prefix. The two classes are given by the caller (``classes``): the core does not import
the api package.

Laws (``property_tests/test_type_expr_laws.py``):

* totality: ``parse_type`` of any text is a ``Success`` or a ``Failure``; it never raises (and never
  evaluates: a call, an operator other than ``|``, a literal other than ``None`` is a Failure);
* round trip: for every type the grammar writes, the text written for it parses back to that type;
* ``A | B`` and ``Union[A, B]`` and ``Optional[A]`` (B ``None``) are the same type.
"""

from __future__ import annotations

import ast
import datetime
import typing
from collections.abc import Mapping
from typing import Any

from returns.result import Failure, Result, Success

_CLASS_NAMES = ("FlyteFile", "FlyteDirectory")


def _atoms(classes: Mapping[str, Any]) -> dict[str, Any]:
    atoms = {
        "int": int,
        "float": float,
        "str": str,
        "bool": bool,
        "bytes": bytes,
        "NoneType": type(None),
        "datetime": datetime.datetime,
        "datetime.datetime": datetime.datetime,
        "date": datetime.date,
        "datetime.date": datetime.date,
        "timedelta": datetime.timedelta,
        "datetime.timedelta": datetime.timedelta,
        "list": list,
        "List": list,
        "dict": dict,
        "Dict": dict,
        "Optional": typing.Optional,
        "Union": typing.Union,
        "Any": typing.Any,
    }
    atoms.update({name: classes[name] for name in _CLASS_NAMES if name in classes})
    return atoms


_GENERIC = {"list": 1, "List": 1, "dict": 2, "Dict": 2, "Optional": 1}


class TypeExpressionError(ValueError):
    """The text is not a type expression this parser accepts."""


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _name_of(node: ast.expr) -> str:
    name = _dotted(node)
    if name is None:
        raise TypeExpressionError(f"unexpected {type(node).__name__} in a type expression")
    return name[len("typing.") :] if name.startswith("typing.") else name


def _build(node: ast.expr, atoms: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return typing.Union[_build(node.left, atoms), _build(node.right, atoms)]
    if isinstance(node, ast.Subscript):
        name = _name_of(node.value)
        if name not in atoms:
            raise TypeExpressionError(f"unknown type {name!r}")
        items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name in ("FlyteFile", "FlyteDirectory"):
            if len(items) != 1 or not (
                isinstance(items[0], ast.Constant) and isinstance(items[0].value, str)
            ):
                raise TypeExpressionError(f'{name}[...] takes one format string, e.g. {name}["csv"]')
            return atoms[name][items[0].value]
        args = tuple(_build(item, atoms) for item in items)
        if name == "Union":
            return typing.Union[args]
        expected = _GENERIC.get(name)
        if expected is None:
            raise TypeExpressionError(f"{name} takes no parameters")
        if len(args) != expected:
            raise TypeExpressionError(
                f"{name} takes {expected} parameter{'s' if expected > 1 else ''}, got {len(args)}"
            )
        return atoms[name][args if len(args) > 1 else args[0]]
    name = _name_of(node)
    if name not in atoms:
        raise TypeExpressionError(f"unknown type {name!r}")
    if name in ("Optional", "Union"):
        raise TypeExpressionError(f"{name} needs parameters")
    return atoms[name]


def parse_type(text: str, classes: Mapping[str, Any] | None = None) -> Result[Any, TypeExpressionError]:
    """The python type that ``text`` writes, or why it is not an accepted type expression.

    ``classes``: ``{"FlyteFile": ..., "FlyteDirectory": ...}`` (without them those names are unknown)."""
    too_deep = TypeExpressionError(f"type expression nested too deeply ({len(text)} characters)")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        return Failure(TypeExpressionError(f"not a type expression: {text!r} ({exc.msg})"))
    except RecursionError:
        return Failure(too_deep)
    try:
        return Success(_build(tree.body, _atoms(classes or {})))
    except TypeExpressionError as exc:
        return Failure(exc)
    except TypeError as exc:
        return Failure(TypeExpressionError(f"not a valid type: {text!r} ({exc})"))
    except RecursionError:
        return Failure(too_deep)
