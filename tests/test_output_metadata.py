"""Output metadata: immutable trackers (pure), the literal ``metadata`` map, and the task-author API end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2

from flyte_entrypoint.core import output_metadata as omt
from flyte_entrypoint.core.literal_maps import outputs_to_literals
from flyte_entrypoint.core.task import task
from flyte_entrypoint.core.type_engine.engine import ConversionContext
from flyte_entrypoint.schemas.output_metadata import OutputMetadata
from flyte_entrypoint.shell.output_metadata import MetadataCell, add_output_metadata, current_cell, using_cell

EXECUTE = str(Path(sys.executable).parent / "pyflyte-execute")


def test_add_returns_a_new_tracker_and_get_matches_identity() -> None:
    value = ["a list"]
    equal_but_other = ["a list"]
    t1 = omt.add(omt.EMPTY, value, {"k": "v"})
    assert omt.EMPTY.entries == {}  # unchanged
    assert omt.get(t1, value) == OutputMetadata({"k": "v"})
    assert omt.get(t1, equal_but_other) is None  # identity, not equality
    t2 = omt.add(t1, value, {"k": "w", "other": "x"})
    assert omt.get(t1, value) == OutputMetadata({"k": "v"})
    assert omt.get(t2, value) == OutputMetadata({"k": "w", "other": "x"})  # merged, later wins


@pytest.mark.parametrize("bad", [{"k": 1}, {1: "v"}, ["k", "v"]])
def test_only_str_to_str_is_accepted(bad: object) -> None:
    with pytest.raises(TypeError):
        omt.add(omt.EMPTY, object(), bad)  # type: ignore[arg-type]


def test_literal_metadata_of_untracked_or_no_tracker_is_empty() -> None:
    assert omt.literal_metadata(None, object()) == {}
    assert omt.literal_metadata(omt.EMPTY, object()) == {}


@task
def two(a: int) -> tuple[list[int], str]:
    return [a], "x"


def test_outputs_to_literals_fills_the_literal_metadata_map() -> None:
    first = [1, 2]
    tracker = omt.add(omt.EMPTY, first, {"rows": "2", "source": "unit-test"})
    result = outputs_to_literals(two, (first, "x"), ConversionContext(), tracker)
    literal_map, _ = result.unwrap()
    assert dict(literal_map.literals["o0"].metadata) == {"rows": "2", "source": "unit-test"}
    assert dict(literal_map.literals["o1"].metadata) == {}
    plain, _ = outputs_to_literals(two, (first, "x"), ConversionContext()).unwrap()
    assert dict(plain.literals["o0"].metadata) == {}


def test_add_output_metadata_uses_the_runs_cell() -> None:
    cell = MetadataCell()
    value = {"a": 1}
    with using_cell(cell):
        assert add_output_metadata(value, {"k": "v"}, extra="e") is value
        assert current_cell() is cell
    assert omt.get(cell.tracker, value) == OutputMetadata({"k": "v", "extra": "e"})
    assert current_cell() is not cell


TASKS = textwrap.dedent(
    """
    from flyte_entrypoint import task, add_output_metadata

    @task
    def tagged(a: int) -> tuple[list[int], str]:
        values = list(range(a))
        return add_output_metadata(values, {"count": str(a)}), "untagged"

    @task
    async def tagged_async(a: int) -> list[int]:
        values = [a]
        add_output_metadata(values, origin="async")
        return values
    """
)


@pytest.mark.parametrize(
    ("task_name", "expected"),
    [("tagged", {"o0": {"count": "3"}, "o1": {}}), ("tagged_async", {"o0": {"origin": "async"}})],
)
def test_cli_metadata_lands_in_outputs_pb(
    tmp_path: Path, task_name: str, expected: dict[str, dict[str, str]]
) -> None:
    (tmp_path / "mdwf.py").write_text(TASKS)
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 3
    (tmp_path / "in.pb").write_bytes(lm.SerializeToString())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    proc = subprocess.run(
        [EXECUTE, "--inputs", "in.pb", "--output-prefix", "out", "--raw-output-data-prefix", "raw", "--",
         "task-module", "mdwf", "task-name", task_name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = literals_pb2.LiteralMap()
    out.ParseFromString((tmp_path / "out" / "outputs.pb").read_bytes())
    assert {k: dict(out.literals[k].metadata) for k in out.literals} == expected
