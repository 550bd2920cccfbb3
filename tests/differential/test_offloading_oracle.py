"""Literal offloading (``_F_L_MIN_SIZE_MB`` / ``_F_L_MAX_SIZE_MB``): ours against flytekit on the same inputs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2


def _load_oracle() -> Any:
    name = "flyte_diff_oracle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oracle.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load_oracle()

# PROTOCOL §2.2 / §11: what flytekit 1.16 writes for a task returning (5, "5") with _F_L_MIN_SIZE_MB=0.
HASH_INT_5 = "cYKTze5b8iG4rY2Y9rldkkylAdyrUs/xjI6KmK97YQU="
HASH_STR_5 = "0H7mUeDAOO4flCjz9dRdg4suD+4jq+Ye22O4Irl3KrA="


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    oracle.require_oracle()
    base = tmp_path_factory.mktemp("offload")
    inputs = base / "inputs.pb"
    oracle.build_inputs({inputs: {"a": ["int", "5"]}})
    cases = {
        "offload_all": {"_F_L_MIN_SIZE_MB": "0"},
        "too_large": {"_F_L_MIN_SIZE_MB": "0", "_F_L_MAX_SIZE_MB": "0"},
        "not_enabled": {"_F_L_MAX_SIZE_MB": "0"},
        "bad_minimum": {"_F_L_MIN_SIZE_MB": "ten"},
    }
    jobs = []
    for case, env in cases.items():
        inv = oracle.Invocation(task="tuple_out", inputs=str(inputs), env=env)
        for side in (oracle.ORACLE, oracle.OURS):
            jobs.append(((case, side), side, inv, base / case / side))
    return oracle.run_many(jobs, max_workers=2)


def _outputs(result: Any) -> literals_pb2.LiteralMap:
    return oracle.parse_literal_map(result.files["outputs.pb"])


def test_offloaded_outputs_match_flytekit(runs: dict[tuple[str, str], Any]) -> None:
    theirs, ours = runs[("offload_all", oracle.ORACLE)], runs[("offload_all", oracle.OURS)]
    assert theirs.returncode == ours.returncode == 0, ours.describe()
    assert (
        ours.file_names
        == theirs.file_names
        == {"outputs.pb", "o0_offloaded_metadata.pb", "o1_offloaded_metadata.pb"}
    )
    for name in ("o0_offloaded_metadata.pb", "o1_offloaded_metadata.pb"):
        assert ours.files[name] == theirs.files[name]
    mine, flytekit = _outputs(ours), _outputs(theirs)
    for key, expected_hash in (("o0", HASH_INT_5), ("o1", HASH_STR_5)):
        a, b = mine.literals[key], flytekit.literals[key]
        assert a.hash == b.hash == expected_hash
        assert a.offloaded_metadata.size_bytes == b.offloaded_metadata.size_bytes
        assert a.offloaded_metadata.inferred_type == b.offloaded_metadata.inferred_type
        assert a.offloaded_metadata.uri == f"{ours.output_prefix}/{key}_offloaded_metadata.pb"
        assert b.offloaded_metadata.uri == f"{theirs.output_prefix}/{key}_offloaded_metadata.pb"


def test_literal_over_the_maximum_is_the_same_system_error(runs: dict[tuple[str, str], Any]) -> None:
    theirs, ours = runs[("too_large", oracle.ORACLE)], runs[("too_large", oracle.OURS)]
    assert oracle.compare(theirs, ours, compare_traces=False) == []
    doc = ours.error_document()
    assert doc is not None and (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", 1, 2)
    assert "is too large to be offloaded. Max literal size is 0" in doc.error.message


def test_maximum_alone_does_not_enable_offloading(runs: dict[tuple[str, str], Any]) -> None:
    theirs, ours = runs[("not_enabled", oracle.ORACLE)], runs[("not_enabled", oracle.OURS)]
    assert oracle.compare(theirs, ours) == []
    assert ours.file_names == {"outputs.pb"}


def test_bad_minimum_is_a_system_error_before_the_task_runs(runs: dict[tuple[str, str], Any]) -> None:
    theirs, ours = runs[("bad_minimum", oracle.ORACLE)], runs[("bad_minimum", oracle.OURS)]
    t_doc, o_doc = theirs.error_document(), ours.error_document()
    assert t_doc is not None and o_doc is not None
    assert (o_doc.error.code, o_doc.error.kind, o_doc.error.origin) == (
        t_doc.error.code,
        t_doc.error.kind,
        t_doc.error.origin,
    )
    assert "_F_L_MIN_SIZE_MB" in o_doc.error.message and "'ten'" in o_doc.error.message
