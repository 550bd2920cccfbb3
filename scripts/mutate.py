"""Mutation testing for the core: do the tests of a module catch a small wrong change to it?

Usage (through ``scripts/mutate.sh``, which adds ``nice``)::

    scripts/mutate.sh core/archive.py core/env.py     # modules by path, or by name: archive env
    scripts/mutate.sh --changed                       # the core modules changed against main (and uncommitted)
    scripts/mutate.sh --list core/env.py              # print the mutants, run nothing
    scripts/mutate.sh --slow core/env.py              # also run the module's slow differential tests
    scripts/mutate.sh --report docs/x.md core/env.py  # also write the report as markdown

Why a driver of our own: mutmut runs its mutants from a copied ``mutants/`` tree, which the editable
``package-dir`` install never imports (``flyte_entrypoint.core`` is mapped onto ``core/`` of the work
tree), so every mutant "survives". This driver mutates the source file **in place**, one AST change at
a time, and always puts the original back: a backup (``<file>.mutate-backup``) is written first and
restored in ``finally`` (Ctrl-C and SIGTERM included). A backup left by a killed run (SIGKILL) makes the
next run stop until ``--restore`` puts it back.

Each mutant runs only the module's own tests (``MODULE_TESTS``), in a child forked from a process that
has already imported the heavy third-party packages (pytest, hypothesis, protobuf, flyteidl, ...), never
``flyte_entrypoint`` itself, so the child imports the mutated file fresh. One mutant at a time (the
machine is shared), each with a timeout (a mutant that hangs counts as caught). Hypothesis runs
derandomized (``CI=1``), so a report is reproducible.

Coverage-guided (default; ``--no-coverage`` turns it off): the baseline run is traced (``LineRecorder``),
recording which tests execute which lines of the module. A mutant first runs only the tests that execute
the lines it changes, where most mutants are caught in a fraction of the time; when those pass (or no
test executes the lines, or the lines run at import, e.g. a constant or a default argument), the whole
test list runs, so the verdict is the same as without the selection (lines that only a subprocess runs
are invisible to the tracer, and the full run still sees them).

Mutations (all on the AST, spliced back into the text at the node's position): comparison operators
and boundaries (``<``/``<=``, ``==``/``!=``, ``in``/``not in``, ``is``/``is not``), ``and``/``or``,
``not x`` -> ``x``, negated ``if``/``while``/conditional-expression tests, constants (numbers +1,
``True``/``False`` swapped, strings changed), arithmetic and bitwise operators, ``return x`` ->
``return None``, a dropped element of a tuple/list/set/dict literal, and removed statements (calls,
``raise``, ``continue``/``break``, assignments to attributes or items, augmented assignments).
Docstrings, annotations, ``Literal[...]`` aliases, ``__all__`` and f-string internals are not mutated.

Mutants that behave exactly like the original (equivalent mutants) are listed in
``scripts/mutation-exclusions.toml`` with a reason each; they are reported but not counted. An
exclusion names the module, the stripped source line and the mutation text, so it survives line shifts.

The score is caught / (mutants - excluded); a mutant is caught when a test fails, errors or times out.
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parent.parent
EXCLUSIONS_FILE = ROOT / "scripts" / "mutation-exclusions.toml"
BACKUP_SUFFIX = ".mutate-backup"

# module -> (fast tests, slow tests). Fast: unit + property tests, seconds. Slow (``--slow``): the
# differential suites that run flytekit; optional because one run of them takes minutes. An entry is a
# test file or one test in it (``tests/x.py::test_y``, for a file whose other tests are slow).
MODULE_TESTS: dict[str, tuple[list[str], list[str]]] = {
    "core/archive.py": (["tests/test_archive.py", "property_tests/test_archive_laws.py"], ["tests/test_fast_execute.py"]),
    "core/env.py": (
        ["tests/test_env.py", "property_tests/test_env_laws.py", "property_tests/test_entrypoint_rules_laws.py"],
        ["tests/differential/test_execute_oracle.py"],
    ),
    "core/array_index.py": (
        ["tests/test_array_index.py", "property_tests/test_array_index_laws.py"],
        ["tests/differential/test_map_oracle.py"],
    ),
    "core/paths.py": (["tests/test_paths.py", "property_tests/test_paths_laws.py"], ["tests/test_storage.py"]),
    "core/hashing.py": (
        ["property_tests/test_hashing_laws.py"],
        ["tests/differential/test_offloading_oracle.py"],
    ),
    "core/execution_state.py": (["tests/test_execution_state.py"], []),
    "core/checkpoint_rules.py": (
        ["tests/test_checkpoint_rules.py", "property_tests/test_checkpoint_laws.py"],
        ["tests/test_checkpoint.py"],
    ),
    "core/secrets_rules.py": (
        ["tests/test_secrets_rules.py", "property_tests/test_secrets_laws.py"],
        ["tests/test_secrets.py"],
    ),
    "core/settings_rules.py": (
        [
            "tests/test_settings_rules.py",
            "tests/test_settings.py",
            "property_tests/test_settings_laws.py",
            "property_tests/test_plan_and_port_laws.py",
        ],
        ["tests/differential/test_settings_oracle.py"],
    ),
    "core/serialized_context.py": (
        ["tests/test_settings_rules.py", "tests/test_settings.py", "property_tests/test_settings_laws.py"],
        ["tests/differential/test_settings_oracle.py"],
    ),
    "core/stats.py": (["tests/test_stats_rules.py", "tests/test_stats.py", "property_tests/test_stats_laws.py"], []),
    "core/deck.py": (["tests/test_deck_rules.py", "property_tests/test_deck_laws.py"], ["tests/test_deck.py"]),
    "core/output_metadata.py": (["tests/test_output_metadata_rules.py", "tests/test_output_metadata.py", "property_tests/test_output_metadata_laws.py"], []),
    "core/runtime_packages.py": (["tests/test_runtime_packages_rules.py"], ["tests/test_runtime_packages.py"]),
    "core/reports.py": (["tests/test_reports.py"], ["tests/test_signals.py", "tests/test_runtime_packages.py"]),
    "core/plan.py": (["tests/test_plan.py", "property_tests/test_plan_and_port_laws.py", "tests/test_async_dynamic.py"], ["tests/e2e/test_cli.py"]),
    "core/interface.py": (["tests/test_interface.py", "tests/test_task_pickle_fallback.py"], ["tests/test_core_machine.py"]),
    "core/task.py": (
        ["tests/test_interface.py", "tests/test_async_dynamic.py", "tests/test_task_pickle_fallback.py", "property_tests/test_task_record_laws.py"],
        ["tests/test_core_machine.py", "tests/compat/test_authoring.py"],
    ),
    "core/exceptions.py": (["tests/test_exceptions.py", "tests/test_core_machine.py"], []),
    "core/literal_maps.py": (
        [
            "tests/test_literal_maps.py",
            "tests/test_core_machine.py",
            "tests/test_output_metadata.py",
            "property_tests/test_map_laws.py",
            "property_tests/test_wire_inputs_laws.py",
            "tests/test_big_inputs_from_wire.py",
            "tests/test_big_outputs_to_wire.py",
        ],
        ["tests/differential/test_offloading_oracle.py", "tests/differential/test_map_oracle.py"],
    ),
    # h14-machine
    "core/run.py": (
        [
            "tests/test_core_machine.py",
            "tests/test_run_table.py",
            "tests/test_run_transitions.py",
            "tests/test_error_documents.py",
            "property_tests/test_run_machine_laws.py",
            # the machine's blob-read round (the rest of that file runs pyflyte-execute: slow)
            "tests/test_conversion_io.py::test_the_machine_reads_the_blobs_then_runs_the_task",
            "tests/test_conversion_io.py::test_a_missing_blob_ends_in_the_conversion_error_document",
            "tests/test_conversion_io.py::test_a_storage_failure_while_reading_ends_in_the_storage_error_document",
        ],
        ["tests/differential/test_execute_oracle.py", "tests/differential/test_offloading_oracle.py"],
    ),
    "core/errors.py": (
        [
            "tests/test_error_documents.py",
            "property_tests/test_error_document_laws.py",
            "property_tests/test_entrypoint_rules_laws.py",
            "tests/test_core_machine.py",
            "tests/test_run_table.py",
            "tests/test_run_transitions.py",
            "property_tests/test_run_machine_laws.py",
        ],
        ["tests/differential/test_execute_oracle.py"],
    ),
    "core/loader_args.py": (["tests/test_run_table.py", "property_tests/test_loader_args_laws.py"], []),
    "core/fast_command.py": (
        ["tests/test_fast_command.py", "tests/test_fast_run_transitions.py", "property_tests/test_archive_laws.py"],
        ["tests/test_fast_run.py", "tests/test_fast_execute.py"],
    ),
    "core/fast_run.py": (
        ["tests/test_fast_run_transitions.py", "property_tests/test_fast_run_laws.py", "tests/test_fast_run.py"],
        ["tests/test_fast_execute.py"],
    ),
    "core/storage_config.py": (
        ["tests/test_storage_config.py", "property_tests/test_storage_config_laws.py"],
        ["tests/test_storage.py"],
    ),
    # h14-wire
    "core/type_engine/varint.py": (["property_tests/test_wire_laws.py", "tests/test_types_struct.py"], []),
    "core/type_engine/codec_errors.py": (
        ["tests/test_codec_errors.py", "tests/test_types_struct.py", "property_tests/test_struct_laws.py"],
        ["tests/differential/test_struct_oracle.py"],
    ),
    "core/type_engine/leaf_codecs.py": (
        ["tests/test_leaf_codecs.py", "property_tests/test_leaf_codec_laws.py", "tests/test_types_struct.py", "tests/test_types_blob.py"],
        ["tests/differential/test_blob_oracle.py"],
    ),
    "core/type_engine/codec_steps.py": (
        ["tests/test_codec_steps.py", "tests/test_builtin_codec.py", "tests/test_codec_errors.py", "tests/test_types_struct.py", "property_tests/test_struct_laws.py"],
        ["tests/differential/test_struct_oracle.py"],
    ),
    # msgpack_wire/builtin_codec: the dataclass laws (property_tests/test_struct_laws.py, ~20 s a run) are their
    # "slow" list: run them with --slow --lines on the survivors of the fast list
    "core/type_engine/msgpack_wire.py": (
        ["tests/test_msgpack_wire.py", "tests/test_types_struct.py", "property_tests/test_wire_laws.py"],
        ["property_tests/test_struct_laws.py"],
    ),
    "core/type_engine/builtin_codec.py": (
        ["tests/test_builtin_codec.py", "tests/test_codec_steps.py", "tests/test_codec_errors.py", "tests/test_types_struct.py"],
        ["property_tests/test_struct_laws.py"],
    ),
    "core/type_engine/fastwire.py": (
        [
            "tests/test_fastwire.py",
            "tests/test_fastwire_map_paths.py",  # h15-fw
            "tests/test_type_engine_basic.py",
            "property_tests/test_wire_laws.py",
            "property_tests/test_map_codec_laws.py",
            "property_tests/test_optional_list_codec_laws.py",
            "property_tests/test_type_engine_laws.py",
        ],
        ["tests/differential/test_types_oracle.py", "tests/differential/test_map_oracle.py"],
    ),
    # h14-types
    "core/type_engine/flyte_error.py": (
        ["tests/test_type_engine_flyte_error.py", "property_tests/test_rich_types_laws.py"],
        ["tests/differential/test_rich_types_oracle.py"],
    ),
    "core/type_engine/enums.py": (
        ["tests/test_type_engine_enums.py", "property_tests/test_type_engine_laws.py"],
        ["tests/differential/test_types_oracle.py"],
    ),
    "core/type_engine/annotated.py": (
        ["tests/test_type_engine_annotated.py", "property_tests/test_type_shape_laws.py"],
        ["tests/differential/test_types_oracle.py"],
    ),
    "core/type_engine/recognize.py": (
        ["tests/test_type_engine_recognize.py", "property_tests/test_type_shape_laws.py"],
        ["tests/test_rich_types.py"],
    ),
    "core/type_engine/outputs.py": (
        ["tests/test_type_engine_outputs.py", "tests/test_type_engine_basic.py", "tests/test_literal_maps.py", "property_tests/test_type_shape_laws.py"],
        ["tests/differential/test_types_oracle.py"],
    ),
    "core/type_engine/type_shapes.py": (
        ["tests/test_type_engine_type_shapes.py", "property_tests/test_type_shape_laws.py"],
        ["property_tests/test_struct_laws.py", "tests/differential/test_struct_oracle.py"],
    ),
    "core/type_engine/simple.py": (
        ["tests/test_type_engine_simple.py", "tests/test_type_engine_basic.py"],
        ["property_tests/test_type_engine_laws.py", "tests/differential/test_types_oracle.py"],
    ),
    "core/type_engine/dataclass_transformers.py": (
        ["tests/test_type_engine_dataclasses.py", "tests/test_types_struct.py"],
        ["property_tests/test_struct_laws.py", "tests/differential/test_struct_oracle.py"],
    ),
    "core/type_engine/containers.py": (
        ["tests/test_type_engine_containers.py", "tests/test_type_engine_basic.py"],
        ["property_tests/test_type_engine_laws.py", "tests/differential/test_types_oracle.py"],
    ),
    "core/type_engine/pydantic_model.py": (
        [
            "tests/test_type_engine_pydantic.py",
            "tests/test_type_engine_pydantic_leaves.py",
            "property_tests/test_pydantic_leaf_laws.py",
        ],
        ["tests/test_rich_types.py", "property_tests/test_rich_types_laws.py", "tests/differential/test_rich_types_oracle.py"],
    ),
    "core/type_engine/union.py": (
        ["tests/test_type_engine_union.py", "tests/test_type_engine_basic.py"],
        ["property_tests/test_type_engine_laws.py", "tests/differential/test_types_oracle.py"],
    ),
    "core/type_engine/json_schema.py": (
        ["tests/test_type_engine_json_schema.py", "tests/test_types_struct.py", "property_tests/test_type_shape_laws.py"],
        ["tests/differential/test_struct_oracle.py"],
    ),
    # h14-tools
    "core/void_promise.py": (["tests/test_void_promise.py", "property_tests/test_void_promise_laws.py"], ["tests/test_seed_python_task.py"]),
    "core/outcome_diff.py": (["tests/test_outcome_diff.py", "property_tests/test_tools_laws.py"], ["tests/e2e/test_tools_cli.py"]),
    "core/type_expr.py": (["tests/test_type_expr.py", "property_tests/test_type_expr_laws.py"], ["tests/e2e/test_tools_cli.py"]),
    "core/json_values.py": (["tests/test_json_values.py", "property_tests/test_json_values_laws.py", "property_tests/test_tools_laws.py"], ["tests/e2e/test_tools_cli.py"]),
    "core/explain.py": (["tests/test_explain.py", "property_tests/test_explain_laws.py"], ["tests/e2e/test_explain_agrees.py"]),
    "core/literal_view.py": (["tests/test_literal_view.py", "property_tests/test_tools_laws.py"], ["tests/e2e/test_tools_cli.py"]),
    # lead: typing.Literal
    "core/type_engine/literal_choices.py": (
        ["tests/test_type_engine_literal_choices.py", "property_tests/test_literal_choices_laws.py"],
        ["tests/test_type_engine_registry.py"],
    ),
    # h15-io1
    "core/type_engine/frame_codecs.py": (
        ["tests/test_frame_codecs.py", "property_tests/test_frame_codec_laws.py", "tests/test_types_dataframe.py"],
        ["tests/test_conversion_io.py", "property_tests/test_rich_types_laws.py", "tests/differential/test_rich_types_oracle.py"],
    ),
    "core/type_engine/pickled.py": (
        ["tests/test_type_engine_pickled.py", "property_tests/test_pickle_laws.py", "property_tests/test_conversion_io_laws.py"],
        ["tests/test_conversion_io.py", "tests/test_types_blob.py", "tests/differential/test_blob_oracle.py"],
    ),
    "core/type_engine/numpy_array.py": (
        ["tests/test_type_engine_numpy.py", "property_tests/test_numpy_array_laws.py"],
        ["tests/test_conversion_io.py", "property_tests/test_rich_types_laws.py", "tests/differential/test_rich_types_chain_oracle.py"],
    ),
    "core/type_engine/iterators.py": (
        ["tests/test_type_engine_iterators.py", "property_tests/test_iterator_laws.py"],
        ["tests/test_conversion_io.py", "property_tests/test_conversion_io_laws.py", "tests/differential/test_rich_types_chain_oracle.py"],
    ),
    "core/type_engine/blob.py": (
        ["tests/test_type_engine_blob.py", "property_tests/test_blob_laws.py", "tests/test_types_blob.py"],
        ["tests/test_conversion_io.py", "tests/differential/test_blob_oracle.py", "tests/differential/test_chain_oracle.py"],
    ),
    # h15-io3
    "core/type_engine/dataframe.py": (
        ["tests/test_type_engine_dataframe.py", "property_tests/test_structured_dataset_laws.py"],
        ["tests/test_types_dataframe.py", "property_tests/test_rich_types_laws.py", "tests/differential/test_rich_types_oracle.py"],
    ),
    "core/type_engine/structured.py": (
        [
            "tests/test_type_engine_structured.py",
            "property_tests/test_structured_dataset_laws.py",
            "tests/test_rich_types.py",
            "property_tests/test_conversion_io_laws.py",
            "property_tests/test_rich_types_laws.py",
        ],
        ["tests/test_types_dataframe.py", "tests/test_conversion_io.py", "tests/differential/test_rich_types_oracle.py"],
    ),
    "core/type_engine/dataset_handlers.py": (
        [
            "tests/test_type_engine_dataset_handlers.py",
            "property_tests/test_structured_dataset_laws.py",
            "tests/test_type_engine_structured.py",
            "tests/test_rich_types.py",
        ],
        ["property_tests/test_rich_types_laws.py", "tests/test_types_dataframe.py", "tests/test_conversion_io.py"],
    ),
    # h15-io2
    "core/type_engine/registry.py": (
        [
            "tests/test_type_engine_registry.py",
            "property_tests/test_type_engine_dispatch_laws.py",
            "tests/test_type_engine_basic.py",
            "tests/test_type_engine_union.py",
        ],
        ["tests/test_rich_types.py", "tests/differential/test_types_oracle.py"],
    ),
    "core/type_engine/flyte_schema.py": (
        ["tests/test_type_engine_flyte_schema.py", "property_tests/test_flyte_schema_laws.py"],
        ["tests/test_rich_types.py", "tests/differential/test_rich_types_oracle.py"],
    ),
    "core/type_engine/engine.py": (
        [
            "tests/test_type_engine_dispatch.py",
            "property_tests/test_type_engine_dispatch_laws.py",
            "tests/test_type_engine_basic.py",
            "tests/test_type_engine_union.py",
            "tests/test_type_engine_annotated.py",
            "property_tests/test_conversion_io_laws.py",
        ],
        ["tests/test_conversion_io.py", "property_tests/test_type_engine_laws.py", "tests/differential/test_types_oracle.py"],
    ),
}

# Third-party modules the fork server imports once, so that each mutant's child starts in milliseconds.
PRELOAD = [
    "pytest",
    "hypothesis",
    "hypothesis.strategies",
    "attrs",
    "cattrs",
    "returns.result",
    "pyrsistent",
    "google.protobuf.json_format",
    "google.protobuf.text_format",
    "flyteidl.core.literals_pb2",
    "flyteidl.core.types_pb2",
    "flyteidl.core.errors_pb2",
    "flyteidl.core.interface_pb2",
    "msgpack",
    "click",
    # the dataframe modules' tests: pandas/pyarrow/numpy take about a second to import in each mutant's child
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
]


# ------------------------------------------------------------------------------------------------ mutants


@dataclass(frozen=True)
class Mutant:
    module: str  # "core/archive.py"
    line: int
    start: int  # byte offsets into the source
    end: int
    original: str
    replacement: str
    source_line: str  # the stripped first source line of the mutated node

    @property
    def lines(self) -> range:
        """The source lines the mutated node spans."""
        return range(self.line, self.line + self.original.count("\n") + 1)

    @property
    def mutation(self) -> str:
        return f"{_one_line(self.original)} -> {_one_line(self.replacement)}"

    @property
    def short(self) -> str:
        """The mutation, cut to a readable length for reports."""
        text = self.mutation
        return text if len(text) <= 160 else text[:150] + " ..." + text[-8:]

    def describe(self) -> str:
        return f"{self.module}:{self.line}: {self.short}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _line_offsets(source: bytes) -> list[int]:
    offsets = [0]
    for i, b in enumerate(source):
        if b == 0x0A:
            offsets.append(i + 1)
    return offsets


_CMP_SWAP: dict[type, list[type]] = {
    ast.Lt: [ast.LtE, ast.GtE],
    ast.LtE: [ast.Lt, ast.Gt],
    ast.Gt: [ast.GtE, ast.LtE],
    ast.GtE: [ast.Gt, ast.Lt],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
}
_NEGATED = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_BINOP_SWAP: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitOr,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.Pow: ast.Mult,
}


def _mutated_constant(value: object) -> list[object]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1] if value != 0 else [1]
    if isinstance(value, float):
        return [value + 1.0]
    if isinstance(value, str):
        return ["XX" + value + "XX"] if value else ["XX"]
    if isinstance(value, bytes):
        return [b"XX" + value + b"XX"]
    return []


class _Collector(ast.NodeVisitor):
    """Yields (node, replacement source) pairs."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.AST, str]] = []

    # -- what is never mutated --------------------------------------------------------------------
    def _visit_body(self, body: list[ast.stmt]) -> None:
        for i, stmt in enumerate(body):
            is_docstring = (
                i == 0
                and isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            )
            if is_docstring:
                continue
            # a bare string after an assignment documents it (attribute docstrings)
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
                stmt.value.value, str
            ):
                continue
            self.visit(stmt)

    def visit_Module(self, node: ast.Module) -> None:
        self._visit_body(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            self.visit(base)
        for kw in node.keywords:
            self.visit(kw)
        self._visit_body(node.body)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)
        self._visit_body(node.body)

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    def visit_Import(self, node: ast.Import) -> None:
        return

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return  # f-string internals: positions are unreliable before 3.12; the text is not logic

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        if _is_type_alias(node.value):
            return
        if any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in node.targets):
            self.found.append((node, "pass"))
        self.generic_visit(node)

    # -- mutations ----------------------------------------------------------------------------------
    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            for new_op in _CMP_SWAP.get(type(op), []):
                mutated = copy.deepcopy(node)
                mutated.ops[i] = new_op()
                self.found.append((node, f"({ast.unparse(mutated)})"))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self.found.append((node, f"({ast.unparse(ast.BoolOp(op=other, values=node.values))})"))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, (ast.Not, ast.USub)):
            self.found.append((node, f"({ast.unparse(node.operand)})"))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        new_op = _BINOP_SWAP.get(type(node.op))
        if new_op is not None:
            mutated = ast.BinOp(left=node.left, op=new_op(), right=node.right)
            self.found.append((node, f"({ast.unparse(mutated)})"))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.found.append((node, "pass"))
        new_op = _BINOP_SWAP.get(type(node.op))
        if new_op is not None:
            self.found.append((node, ast.unparse(ast.AugAssign(target=node.target, op=new_op(), value=node.value))))
        self.generic_visit(node)

    def _negate_test(self, test: ast.expr) -> None:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return  # the same as the ``not x`` -> ``x`` mutant
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _NEGATED:
            return  # the same as the operator swap
        self.found.append((test, f"(not ({ast.unparse(test)}))"))

    def visit_If(self, node: ast.If) -> None:
        self._negate_test(node.test)
        self.visit(node.test)
        self._visit_body(node.body)
        self._visit_body(node.orelse)

    def visit_While(self, node: ast.While) -> None:
        self._negate_test(node.test)
        self.visit(node.test)
        self._visit_body(node.body)
        self._visit_body(node.orelse)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._negate_test(node.test)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        for new in _mutated_constant(node.value):
            self.found.append((node, f"({new!r})"))

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self.found.append((node, "return None"))
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, (ast.Call, ast.Await)):
            self.found.append((node, "pass"))
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        self.found.append((node, "pass"))
        self.generic_visit(node)

    def visit_Continue(self, node: ast.Continue) -> None:
        self.found.append((node, "pass"))

    def visit_Break(self, node: ast.Break) -> None:
        self.found.append((node, "pass"))

    def _drop_elements(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        if node.elts:
            for i in range(len(node.elts)):
                rest = node.elts[:i] + node.elts[i + 1 :]
                if isinstance(node, ast.Tuple):
                    text = ast.unparse(ast.Tuple(elts=rest, ctx=ast.Load())) if rest else "()"
                    if len(rest) == 1:
                        text = f"({ast.unparse(rest[0])},)"
                elif isinstance(node, ast.List):
                    text = ast.unparse(ast.List(elts=rest, ctx=ast.Load()))
                else:
                    text = ast.unparse(ast.Set(elts=rest)) if rest else "set()"
                self.found.append((node, f"({text})"))
        self.generic_visit(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        if isinstance(node.ctx, ast.Load):
            self._drop_elements(node)
        else:
            self.generic_visit(node)

    def visit_List(self, node: ast.List) -> None:
        if isinstance(node.ctx, ast.Load):
            self._drop_elements(node)
        else:
            self.generic_visit(node)

    def visit_Set(self, node: ast.Set) -> None:
        self._drop_elements(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for i in range(len(node.keys)):
            mutated = ast.Dict(keys=node.keys[:i] + node.keys[i + 1 :], values=node.values[:i] + node.values[i + 1 :])
            self.found.append((node, f"({ast.unparse(mutated)})"))
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if _is_literal_type(node):
            return
        self.generic_visit(node)


def _is_literal_type(node: ast.AST) -> bool:
    if not isinstance(node, ast.Subscript):
        return False
    v = node.value
    name = v.id if isinstance(v, ast.Name) else v.attr if isinstance(v, ast.Attribute) else ""
    return name in ("Literal", "Union", "Optional", "Callable", "tuple", "Tuple", "dict", "Mapping", "list")


def _is_type_alias(value: ast.AST) -> bool:
    return _is_literal_type(value)


def mutants_of(module: str) -> list[Mutant]:
    path = ROOT / module
    source = path.read_bytes()
    tree = ast.parse(source, filename=str(path))
    offsets = _line_offsets(source)
    collector = _Collector()
    collector.visit(tree)
    lines = source.decode("utf-8").splitlines()
    seen: set[tuple[int, int, str]] = set()
    out: list[Mutant] = []
    for node, replacement in collector.found:
        start = offsets[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        end = offsets[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        original = source[start:end].decode("utf-8")
        if _one_line(original) == _one_line(replacement).removeprefix("(").removesuffix(")"):
            continue
        key = (start, end, replacement)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Mutant(module, node.lineno, start, end, original, replacement, lines[node.lineno - 1].strip())  # type: ignore[attr-defined]
        )
    out.sort(key=lambda m: (m.start, m.end, m.replacement))
    return out


def apply(source: bytes, mutant: Mutant) -> bytes:
    return source[: mutant.start] + mutant.replacement.encode("utf-8") + source[mutant.end :]


# ------------------------------------------------------------------------------------------- exclusions


@dataclass(frozen=True)
class Exclusion:
    module: str
    line: str
    mutation: str
    reason: str


def load_exclusions(path: Path = EXCLUSIONS_FILE) -> list[Exclusion]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text())
    return [
        Exclusion(e["module"], e["line"].strip(), _one_line(e["mutation"]), e["reason"])
        for e in data.get("exclude", [])
    ]


def exclusion_for(mutant: Mutant, exclusions: list[Exclusion]) -> Exclusion | None:
    for e in exclusions:
        if e.module == mutant.module and e.line == mutant.source_line and e.mutation == mutant.mutation:
            return e
    return None


# ------------------------------------------------------------------------------------------ the runner


class ForkServer:
    """Runs pytest in a forked child of a process that preloaded the heavy third-party imports."""

    def __init__(self) -> None:
        os.environ["CI"] = "1"  # derandomized hypothesis: reproducible reports
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        sys.dont_write_bytecode = True
        for name in PRELOAD:
            try:
                __import__(name)
            except ImportError:
                pass
        assert not any(m == "flyte_entrypoint" or m.startswith("flyte_entrypoint.") for m in sys.modules)

    def run(
        self, tests: list[str], timeout: float, log: Path, recorder: LineRecorder | None = None
    ) -> tuple[str, float]:
        """("passed" | "failed" | "timeout", seconds). With ``recorder``: no ``-x``, lines recorded to its file."""
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # child
            code = 3
            try:
                os.setsid()
                fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                os.chdir(ROOT)
                import pytest

                flags = ["-q", "-p", "no:cacheprovider", "--no-header"]
                if recorder is None:
                    code = int(pytest.main(["-x", *flags, *tests]))
                else:
                    recorder.start()
                    try:
                        code = int(pytest.main([*flags, *tests], plugins=[recorder]))
                    finally:
                        recorder.stop()
            except BaseException:
                code = 4
            finally:
                os._exit(code)
        deadline = started + timeout
        try:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    pid = 0
                    code = os.waitstatus_to_exitcode(status)
                    return ("passed" if code == 0 else "failed"), time.monotonic() - started
                if time.monotonic() > deadline:
                    return "timeout", time.monotonic() - started
                time.sleep(0.02)
        finally:
            if pid:  # timed out or interrupted: stop the child (and anything it started) first
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:  # not yet its own group leader
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


class LineRecorder:
    """A pytest plugin for the traced baseline run: which lines of one source file each test executes.

    Lines run while no test is running (the module body at import, during collection) go to ``at_import``:
    a mutant there (a constant, a default argument, a decorator) can change every test, so it gets the whole
    test list. Only frames of the target file are traced line by line, so the run stays within a few times
    the untraced baseline. The result is written as JSON to ``out`` (the run is a forked child).
    """

    def __init__(self, target: Path, out: Path) -> None:
        self.target = str(target)
        self.out = out
        self.current: str | None = None
        self.by_test: dict[str, set[int]] = {}
        self.at_import: set[int] = set()

    def _bucket(self) -> set[int]:
        if self.current is None:
            return self.at_import
        return self.by_test.setdefault(self.current, set())

    def _trace_calls(self, frame: Any, event: str, arg: object) -> Any:
        if frame.f_code.co_filename != self.target:
            return None
        self._bucket().add(frame.f_lineno)
        return self._trace_lines

    def _trace_lines(self, frame: Any, event: str, arg: object) -> Any:
        if event == "line":
            self._bucket().add(frame.f_lineno)
        return self._trace_lines

    def start(self) -> None:
        import threading

        sys.settrace(self._trace_calls)
        threading.settrace(self._trace_calls)

    def stop(self) -> None:
        import threading

        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
        self.out.write_text(
            json.dumps({"at_import": sorted(self.at_import), "by_test": {k: sorted(v) for k, v in self.by_test.items()}})
        )

    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> None:
        self.current = item.nodeid

    def pytest_runtest_logfinish(self, nodeid: str, location: object) -> None:
        self.current = None


@dataclass
class Coverage:
    """Which tests execute which lines of the mutated module (from a traced baseline run)."""

    at_import: set[int]
    by_test: dict[str, set[int]]

    @classmethod
    def load(cls, path: Path) -> Coverage:
        data = json.loads(path.read_text())
        return cls(set(data["at_import"]), {k: set(v) for k, v in data["by_test"].items()})

    def tests_for(self, lines: range) -> list[str] | None:
        """The tests that execute any of ``lines``, in run order; ``None`` when the lines run at import."""
        if any(line in self.at_import for line in lines):
            return None
        return [t for t, seen in self.by_test.items() if any(line in seen for line in lines)]


def _drop_pyc(path: Path) -> None:
    cache = path.parent / "__pycache__"
    if cache.is_dir():
        for pyc in cache.glob(path.stem + ".*.pyc"):
            pyc.unlink(missing_ok=True)


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # caught | timeout | survived | excluded
    seconds: float
    reason: str = ""


@dataclass
class ModuleReport:
    module: str
    tests: list[str]
    outcomes: list[Outcome]
    baseline_seconds: float

    @property
    def counted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "excluded"]

    @property
    def caught(self) -> int:
        return sum(o.status in ("caught", "timeout") for o in self.outcomes)

    @property
    def score(self) -> float:
        return 100.0 * self.caught / len(self.counted) if self.counted else 100.0


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_module(
    module: str,
    server: ForkServer,
    slow: bool,
    timeout: float | None,
    only_lines: set[int] | None,
    guided: bool = True,
) -> ModuleReport:
    fast, slow_tests = MODULE_TESTS[module]
    tests = [t for t in [*fast, *(slow_tests if slow else [])] if (ROOT / t.split("::")[0]).exists()]
    missing = [t for t in [*fast, *(slow_tests if slow else [])] if not (ROOT / t.split("::")[0]).exists()]
    for t in missing:
        print(f"  (no {t} yet)")
    if not tests:
        raise SystemExit(f"{module}: no tests to run")
    path = ROOT / module
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    exclusions = load_exclusions()
    mutants = mutants_of(module)
    if only_lines:
        mutants = [m for m in mutants if m.line in only_lines]
    log = Path(tempfile.mkstemp(prefix="mutate-", suffix=".log")[1])

    _drop_pyc(path)
    coverage: Coverage | None = None
    if guided:
        trace_file = Path(tempfile.mkstemp(prefix="mutate-", suffix=".json")[1])
        status, baseline = server.run(tests, 3600, log, LineRecorder(path, trace_file))
        if status == "passed":
            coverage = Coverage.load(trace_file)
        trace_file.unlink(missing_ok=True)
    else:
        status, baseline = server.run(tests, 3600, log)
    if status != "passed":
        print(log.read_text()[-4000:])
        raise SystemExit(f"{module}: the tests fail without any mutation; fix them first")
    per_mutant = timeout if timeout is not None else max(20.0, 4 * baseline)
    print(f"{module}: {len(mutants)} mutants, tests {' '.join(tests)} (baseline {baseline:.1f}s, timeout {per_mutant:.0f}s)")

    original = path.read_bytes()
    backup.write_bytes(original)
    outcomes: list[Outcome] = []
    try:
        for i, mutant in enumerate(mutants, 1):
            excluded = exclusion_for(mutant, exclusions)
            if excluded is not None:
                outcomes.append(Outcome(mutant, "excluded", 0.0, excluded.reason))
                continue
            mutated = apply(original, mutant)
            try:
                compile(mutated, str(path), "exec")
            except SyntaxError:
                outcomes.append(Outcome(mutant, "caught", 0.0, "does not compile"))
                continue
            path.write_bytes(mutated)
            _drop_pyc(path)
            status, seconds = "passed", 0.0
            covering = coverage.tests_for(mutant.lines) if coverage is not None else None
            if covering:  # the tests that run the mutated lines first: most mutants are caught there
                status, seconds = server.run(covering, per_mutant, log)
            if status == "passed" and (covering is None or len(covering) < len(coverage.by_test)):  # type: ignore[union-attr]
                status, more = server.run(tests, per_mutant, log)  # the same verdict as without coverage
                seconds += more
            path.write_bytes(original)
            result = {"passed": "survived", "failed": "caught", "timeout": "timeout"}[status]
            outcomes.append(Outcome(mutant, result, seconds))
            if result == "survived":
                print(f"  [{i}/{len(mutants)}] SURVIVED {mutant.describe()}")
    finally:
        path.write_bytes(original)
        _drop_pyc(path)
        backup.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
    return ModuleReport(module, tests, outcomes, baseline)


# ------------------------------------------------------------------------------------------- reporting


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def source_state() -> str:
    """The commit the mutants are made from, and whether tracked files differ from it (read before the run:
    a commit made while it runs does not describe the code that was mutated)."""
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--untracked-files=no") else ""
    return commit + dirty


def render(reports: list[ModuleReport], slow: bool, only: set[int] | None, source: str) -> str:
    """The markdown report of a run that started at ``source`` (:func:`source_state`). A run limited by
    ``--lines`` says so in its first line (it is not a module's score)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"Mutation report, {now}, commit {source}, {'fast + slow' if slow else 'fast'} tests"
        + (f", lines {','.join(map(str, sorted(only)))} only" if only else ""),
        "",
        "| module | mutants | excluded | caught | survived | score |",
        "|---|---|---|---|---|---|",
    ]
    for r in reports:
        excluded = len(r.outcomes) - len(r.counted)
        survived = len(r.counted) - r.caught
        out.append(
            f"| `{r.module}` | {len(r.outcomes)} | {excluded} | {r.caught} | {survived} | {r.score:.1f}% |"
        )
    for r in reports:
        survivors = [o for o in r.outcomes if o.status == "survived"]
        if survivors:
            out += ["", f"Survivors in `{r.module}`:"]
            out += [f"- `{o.mutant.module}:{o.mutant.line}`: `{o.mutant.short}`" for o in survivors]
    excluded = [o for r in reports for o in r.outcomes if o.status == "excluded"]
    if excluded:
        out += ["", "Excluded as equivalent (`scripts/mutation-exclusions.toml`):"]
        out += [f"- `{o.mutant.module}:{o.mutant.line}`: `{o.mutant.short}`: {o.reason}" for o in excluded]
    return "\n".join(out) + "\n"


def changed_modules(base: str) -> list[str]:
    names = set(_git("diff", "--name-only", f"{base}...HEAD", "--", "core").split())
    names |= set(_git("diff", "--name-only", "HEAD", "--", "core").split())
    return sorted(n for n in names if n in MODULE_TESTS)


def resolve_module(name: str) -> str:
    candidates = [name, f"core/{name}", f"core/{name}.py", f"core/type_engine/{name}.py", name.replace("flyte_entrypoint.", "").replace(".", "/") + ".py"]
    for c in candidates:
        if c in MODULE_TESTS:
            return c
    raise SystemExit(f"unknown module {name!r}; known: {', '.join(sorted(MODULE_TESTS))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*")
    parser.add_argument("--changed", nargs="?", const="main", metavar="BASE", help="core modules changed since BASE")
    parser.add_argument("--slow", action="store_true", help="also run the slow differential tests")
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per mutant (default 4x baseline)")
    parser.add_argument("--lines", default="", help="only mutants on these lines, e.g. 12,40")
    parser.add_argument("--report", type=Path, help="also write the report (markdown) to this file")
    parser.add_argument(
        "--no-coverage", action="store_true", help="run every mutant against all tests (no line-coverage selection)"
    )
    parser.add_argument("--restore", action="store_true", help="put back files from a killed run's backups")
    args = parser.parse_args(argv)

    backups = sorted((ROOT / "core").rglob("*" + BACKUP_SUFFIX))
    if backups and not args.list:
        if not args.restore:
            raise SystemExit(
                "a killed run left backups (the files next to them may be mutants):\n  "
                + "\n  ".join(map(str, backups))
                + "\nrun with --restore to put the originals back"
            )
        for b in backups:
            b.replace(b.with_name(b.name.removesuffix(BACKUP_SUFFIX)))
            print(f"restored {b.name.removesuffix(BACKUP_SUFFIX)}")
        if not args.modules and args.changed is None:
            return 0

    modules = [resolve_module(m) for m in args.modules]
    if args.changed is not None:
        modules += [m for m in changed_modules(args.changed) if m not in modules]
    if not modules:
        parser.error("name at least one module (or --changed)")

    if args.list:
        exclusions = load_exclusions()
        for module in modules:
            for m in mutants_of(module):
                tag = "  [excluded]" if exclusion_for(m, exclusions) else ""
                print(m.describe() + tag)
        return 0

    only = {int(x) for x in args.lines.split(",") if x.strip()} or None
    source = source_state()
    signal.signal(signal.SIGINT, _terminate_as_interrupt)  # also when started with SIGINT ignored (a `&` job)
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    signal.signal(signal.SIGHUP, _terminate_as_interrupt)
    server = ForkServer()
    exclusions = load_exclusions()
    unused = [
        e for e in exclusions if e.module in modules and not any(exclusion_for(m, [e]) for m in mutants_of(e.module))
    ]
    for e in unused:
        print(f"warning: exclusion matches no mutant (stale?): {e.module}: {e.line!r}: {e.mutation}")
    try:
        reports = [run_module(m, server, args.slow, args.timeout, only, not args.no_coverage) for m in modules]
    except KeyboardInterrupt as stop:
        print(f"interrupted ({stop}): the original source was put back", file=sys.stderr)
        return 130
    text = render(reports, args.slow, only, source)
    print()
    print(text)
    if args.report:
        args.report.write_text(text)
    return 0 if all(r.score >= 90.0 for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
