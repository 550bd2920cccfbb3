"""Laws of ``core/type_engine/pydantic_model.py``'s leaf schemas and literal types (pydantic models).

* a leaf class's JSON schema is its kind's schema under its ``$defs`` name: ``FlyteFile[fmt]`` /
  ``FlyteDirectory[fmt]`` (any non-empty format) describe themselves as the plain class does, titled
  ``_SpecificFormatClass`` / ``_SpecificFormatDirectoryClass``; ``FlyteSchema[columns]`` as ``FlyteSchema``,
  titled ``_TypedSchema`` (flytekit's class names; the plain schemas are pinned from flytekit in
  ``tests/test_type_engine_pydantic_leaves.py``);
* a model's literal type is deterministic, always has a ``structure``, and its ``structure.dataclass_type`` holds
  each field's own literal type, leaving out (as flytekit does) the fields whose annotation has none, wherever they
  stand among the fields.
"""

from __future__ import annotations

import collections
import enum
from typing import Any, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from flyte_entrypoint.core.type_engine.engine import literal_type_of
from flyte_entrypoint.core.type_engine.pydantic_model import leaf_json_schema
from flyte_entrypoint.files import FlyteDirectory, FlyteFile
from flyte_entrypoint.flyte_schema import FlyteSchema

pydantic = pytest.importorskip("pydantic")

formats = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=12)
column_names = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=4, unique=True)


def _retitled(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {**schema, "title": title}


@given(fmt=formats)
def test_format_variants_describe_themselves_as_the_plain_class_under_flytekits_name(fmt: str) -> None:
    assert leaf_json_schema(FlyteFile[fmt]) == _retitled(leaf_json_schema(FlyteFile), "_SpecificFormatClass")
    assert leaf_json_schema(FlyteDirectory[fmt]) == _retitled(
        leaf_json_schema(FlyteDirectory), "_SpecificFormatDirectoryClass"
    )


@given(names=column_names)
def test_a_typed_schema_describes_itself_as_flyteschema_named_typedschema(names: list[str]) -> None:
    typed = FlyteSchema[collections.OrderedDict((n, int) for n in names)]
    assert leaf_json_schema(typed) == _retitled(leaf_json_schema(FlyteSchema), "_TypedSchema")


class _IntEnum(enum.Enum):
    ONE = 1  # flytekit: "Only EnumTypes with value of string are supported"


# field annotations with a literal type, and ones without (a tuple and an int enum: flytekit leaves those out too;
# sets: flytekit gives them a pickle type, we leave them out -- README, "dataclass fields without a literal type")
_ANNOTATIONS = [int, str, float, bool, list[int], dict[str, float], Tuple[int, str], set[int], _IntEnum]


@given(fields=st.lists(st.sampled_from(_ANNOTATIONS), max_size=6))
def test_the_structure_holds_each_fields_literal_type_and_leaves_out_the_rest(fields: list[Any]) -> None:
    model = pydantic.create_model("Generated", **{f"f{i}": (tp, ...) for i, tp in enumerate(fields)})
    lt = literal_type_of(model).unwrap()
    expected = {f"f{i}": literal_type_of(tp) for i, tp in enumerate(fields)}
    assert dict(lt.structure.dataclass_type) == {k: r.unwrap() for k, r in expected.items() if is_successful(r)}
    assert lt.HasField("structure") and literal_type_of(model).unwrap() == lt
