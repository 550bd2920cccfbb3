"""Differential, end to end: values flow through a chain of task runs, alternating flytekit and ours.

A chain is three ``pyflyte-execute`` runs of ``wf_chain.py`` tasks, as a workflow would run them:

    make_<group>()  ->  relay_<group>(r_<field>...)  ->  check_<group>(c_<field>...)

in two orientations: flytekit -> ours -> flytekit, and ours -> flytekit -> ours. Between two hops the test takes the
``outputs.pb`` the previous run wrote, renames its keys to the next task's input names (a LiteralMap remap, as
propeller's bindings do) and writes that as the next run's ``inputs.pb``. Checked for every chain:

* every run succeeds (the relay itself raises, naming the fields, if what it decoded is not ``EXPECTED``);
* the final hop decodes every value to ``wf_chain.EXPECTED`` (compared as :func:`wf_chain.describe` JSON);
* the relay's outputs equal the first hop's outputs as protobufs: two sides encoding the same values. Blob literals
  (file, directory, dataframe) are compared with their URIs normalized (``<raw>/<hex32>/...``), and must lie under
  the writing run's raw prefix. The relay's pass-through outputs (``same_file`` / ``same_directory``, the input
  objects returned as they are) keep the first hop's literal exactly, except a file read from a local URI, which
  both sides upload again (:func:`kept_pass_through`).

Types covered: int, float, str, bool, naive and aware datetime, date, timedelta, Optional[int] (None and 0),
Union[int, str] (both variants), a str Enum, list[int], dict[str, float], list[dict[str, list[int]]], untyped dict,
nested dataclasses with Optional/list/dict fields, NamedTuple multi-outputs (every hop), FlyteFile, FlyteDirectory
and pandas DataFrame. Files, directories and dataframes run on local folders and on the S3 server (inputs, outputs
and raw data all on S3). Local chains without blobs replay flytekit's runs from ``oracle.py``'s cache.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2
from google.protobuf import text_format

HERE = Path(__file__).resolve().parent
WORKERS = 2


def _load(name: str, file_name: str) -> Any:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / file_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


pytest.importorskip("pandas")
oracle = _load("flyte_diff_oracle", "oracle.py")
wf_chain = _load("wf_chain", "wf_chain.py")

ORACLE, OURS = oracle.ORACLE, oracle.OURS
ORIENTATIONS: dict[str, tuple[str, str, str]] = {
    "fk-ours-fk": (ORACLE, OURS, ORACLE),
    "ours-fk-ours": (OURS, ORACLE, OURS),
}
VALUE_GROUPS = ("scalars", "unions", "collections", "records")
BLOBS = "blobs"
INPUT_PREFIXES = ("", "r_", "c_")  # make_ takes nothing, relay_ takes r_<field>, check_ takes c_<field>
HEX32 = re.compile(r"/[0-9a-f]{32}(?=[/\"]|$)")
PASS_THROUGH = {"same_file": "file", "same_directory": "directory"}  # relay output -> first-hop output


def kept_pass_through(chain: Chain) -> frozenset[str]:
    """Relay outputs whose literal must be the first hop's, unchanged.

    A remote input blob keeps its URI when returned. flytekit reads a *local* blob URI as a plain local path (no
    remote source): returned again, a file is uploaded anew, while a directory (``remote_directory=False``) keeps
    its path.
    """
    return frozenset(PASS_THROUGH) if chain.backend == "s3" else frozenset({"same_directory"})


@dataclass(frozen=True)
class Chain:
    group: str
    orientation: str
    backend: str = "local"

    @property
    def id(self) -> str:
        return f"{self.group}-{self.orientation}-{self.backend}"

    @property
    def hops(self) -> list[tuple[str, str, str]]:
        """(side, task, input-name prefix) of each hop."""
        tasks = (f"make_{self.group}", f"relay_{self.group}", f"check_{self.group}")
        return list(zip(ORIENTATIONS[self.orientation], tasks, INPUT_PREFIXES))

    @property
    def expected(self) -> dict[str, Any]:
        """What the final hop must decode (the relay of blobs adds the pass-through outputs)."""
        return dict(wf_chain.EXPECTED["relayed_blobs" if self.group == BLOBS else self.group])

    def __str__(self) -> str:
        return self.id


LOCAL_CHAINS = [Chain(g, o) for g in (*VALUE_GROUPS, BLOBS) for o in ORIENTATIONS]


@dataclass
class ChainRun:
    chain: Chain
    results: list[Any]  # oracle.RunResult of each hop that ran (a failed hop ends the chain)
    raw_prefixes: list[str]  # the raw output prefix each hop was given


def remap(outputs: literals_pb2.LiteralMap, prefix: str) -> literals_pb2.LiteralMap:
    """The next node's inputs: every output ``k`` bound to the input ``<prefix>k``."""
    inputs = literals_pb2.LiteralMap()
    for name, literal in outputs.literals.items():
        inputs.literals[prefix + name].CopyFrom(literal)
    return inputs


# --------------------------------------------------------------------------------------------------------------
# where a hop's files live


class LocalStore:
    """Inputs, outputs and raw data in local folders (``oracle.run_execute`` layout: ``<hop>/out``, ``<hop>/raw``)."""

    def __init__(self, root: Path, cache: bool) -> None:
        self.root = root
        self.cache = cache  # flytekit runs replayable from oracle.py's cache (no raw data to replay)

    def run(self, side: str, task: str, inputs: literals_pb2.LiteralMap, name: str) -> tuple[Any, str]:
        work_dir = self.root / name
        work_dir.mkdir(parents=True, exist_ok=True)
        path = work_dir / "inputs.pb"
        path.write_bytes(inputs.SerializeToString(deterministic=True))
        inv = oracle.Invocation(task=task, inputs=str(path), module="wf_chain")
        runner = oracle.run_execute if self.cache else oracle._run_execute
        return runner(side, inv, work_dir), str(work_dir / "raw")


class S3Store:
    """Inputs, outputs and raw data on the S3 server; both commands get the fixture's ``FLYTE_AWS_*`` env."""

    def __init__(self, s3: Any, root: Path, key_root: str) -> None:
        self.s3 = s3
        self.root = root
        self.key_root = key_root
        self.client = s3.client()

    def _key(self, uri: str) -> str:
        return uri.removeprefix(f"s3://{self.s3.bucket}/")

    def _read_tree(self, uri: str) -> dict[str, bytes]:
        prefix = self._key(uri).rstrip("/") + "/"
        files: dict[str, bytes] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.s3.bucket, Prefix=prefix
        ):
            for obj in page.get("Contents", []):
                body = self.client.get_object(Bucket=self.s3.bucket, Key=obj["Key"])["Body"].read()
                files[obj["Key"][len(prefix) :]] = body
        return files

    def run(self, side: str, task: str, inputs: literals_pb2.LiteralMap, name: str) -> tuple[Any, str]:
        base = self.s3.uri(self.key_root, name)
        inputs_uri, out, raw = f"{base}/inputs.pb", f"{base}/out", f"{base}/raw"
        self.client.put_object(
            Bucket=self.s3.bucket,
            Key=self._key(inputs_uri),
            Body=inputs.SerializeToString(deterministic=True),
        )
        inv = oracle.Invocation(task=task, inputs=inputs_uri, env=dict(self.s3.env), module="wf_chain")
        work_dir = self.root / name
        argv = oracle.command_for(side, inv, out, raw)
        env = oracle._clean_env({**oracle.BACKEND_ENV, **inv.env}, home=work_dir / "home")
        (work_dir / "tmp").mkdir(exist_ok=True)
        env["TMPDIR"] = str(work_dir / "tmp")
        started = time.time()
        try:
            proc = subprocess.run(
                argv, cwd=inv.cwd, env=env, capture_output=True, text=True, timeout=inv.timeout, check=False
            )
            code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            code, stdout, stderr = -9, oracle._text(exc.stdout), oracle._text(exc.stderr) + "\n<timed out>"
        result = oracle.RunResult(
            side=side,
            argv=tuple(argv),
            returncode=code,
            stdout=stdout,
            stderr=stderr,
            output_prefix=out,
            raw_prefix=raw,
            files=self._read_tree(out),
            raw_files=tuple(sorted(self._read_tree(raw))),
            started=started,
            finished=time.time(),
        )
        return result, raw


def run_chain(chain: Chain, store: LocalStore | S3Store) -> ChainRun:
    run = ChainRun(chain, [], [])
    inputs = literals_pb2.LiteralMap()
    for i, (side, task, prefix) in enumerate(chain.hops):
        inputs = remap(inputs, prefix)
        result, raw = store.run(side, task, inputs, f"{chain.id}/{i}-{side}")
        run.results.append(result)
        run.raw_prefixes.append(raw)
        outputs = result.outputs()
        if result.returncode != 0 or outputs is None or result.error_files():
            break
        inputs = outputs
    return run


def run_chains(
    chains: list[Chain], store_for: Callable[[Chain], LocalStore | S3Store]
) -> dict[Chain, ChainRun]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {chain: pool.submit(run_chain, chain, store_for(chain)) for chain in chains}
        return {chain: future.result() for chain, future in futures.items()}


# --------------------------------------------------------------------------------------------------------------
# checking a chain


def normalize(literal: literals_pb2.Literal, raw: str) -> str:
    text = text_format.MessageToString(literal, as_one_line=True).replace(raw.rstrip("/"), "<raw>")
    return HEX32.sub("/<hex32>", text)


def blob_uri(literal: literals_pb2.Literal) -> str | None:
    scalar = literal.scalar
    if scalar.HasField("blob"):
        return str(scalar.blob.uri)
    if scalar.HasField("structured_dataset"):
        return str(scalar.structured_dataset.uri)
    return None


def chain_problems(run: ChainRun) -> list[str]:
    chain = run.chain
    problems: list[str] = []
    for (side, task, _), result in zip(chain.hops, run.results):
        if result.returncode != 0 or set(result.files) != {"outputs.pb"}:
            problems.append(f"hop {task} ({side}) did not succeed:\n{result.describe()}")
    if problems or len(run.results) != len(chain.hops):
        return problems

    first, relay, final = (r.outputs() for r in run.results)
    # the values the last hop decoded
    reported = json.loads(final.literals["o0"].scalar.primitive.string_value)
    for name, want in sorted(chain.expected.items()):
        if reported.get(name) != want:
            problems.append(f"final hop decoded {name!r} as {reported.get(name)!r}, expected {want!r}")
    if set(reported) != set(chain.expected):
        problems.append(f"final hop reported fields {sorted(reported)}, expected {sorted(chain.expected)}")

    # intermediate literals: two sides encoding the same values
    sides = f"{chain.hops[0][0]} (make) vs {chain.hops[1][0]} (relay)"
    kept = kept_pass_through(chain)
    for name in sorted(relay.literals):
        lit_relay = relay.literals[name]
        lit_first = first.literals[PASS_THROUGH.get(name, name)]
        if name in kept:
            if lit_relay != lit_first:
                problems.append(f"pass-through {name} changed its literal: {lit_first} -> {lit_relay}")
            continue
        uri = blob_uri(lit_first)
        if uri is None:
            if lit_first != lit_relay:
                problems.append(f"{name}: literals differ, {sides}:\n{lit_first}---\n{lit_relay}")
            continue
        for hop, lit in ((0, lit_first), (1, lit_relay)):
            got = blob_uri(lit) or ""
            if not got.startswith(run.raw_prefixes[hop].rstrip("/") + "/"):
                problems.append(
                    f"{name}: hop {hop} wrote {got!r}, not under its raw prefix {run.raw_prefixes[hop]}"
                )
        a, b = normalize(lit_first, run.raw_prefixes[0]), normalize(lit_relay, run.raw_prefixes[1])
        if a != b:
            problems.append(f"{name}: literals differ beyond their URIs, {sides}:\n  {a}\n  {b}")
    if set(relay.literals) - set(PASS_THROUGH) != set(first.literals):
        problems.append(f"relay outputs {sorted(relay.literals)} vs make outputs {sorted(first.literals)}")
    return problems


def _require_both_sides() -> None:
    try:
        oracle.require_oracle()
    except oracle.OracleMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    reason = oracle.ours_missing_reason()
    if reason:
        pytest.fail(reason, pytrace=False)


# --------------------------------------------------------------------------------------------------------------
# tests


@pytest.fixture(scope="module")
def local_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[Chain, ChainRun]:
    _require_both_sides()
    root = tmp_path_factory.mktemp("chain")
    cached, uncached = LocalStore(root, cache=True), LocalStore(root, cache=False)
    # blob chains cannot be replayed: their literals point at raw data written by the run itself
    return run_chains(LOCAL_CHAINS, lambda c: uncached if c.group == BLOBS else cached)


@pytest.mark.parametrize("chain", LOCAL_CHAINS, ids=str)
def test_chain_local(local_runs: dict[Chain, ChainRun], chain: Chain) -> None:
    problems = chain_problems(local_runs[chain])
    if problems:
        pytest.fail(f"chain {chain.id}:\n" + "\n".join(problems), pytrace=False)


def test_blob_chains_s3(s3: Any, tmp_path: Path) -> None:
    _require_both_sides()
    store = S3Store(s3, tmp_path, "chain")
    chains = [Chain(BLOBS, o, "s3") for o in ORIENTATIONS]
    runs = run_chains(chains, lambda c: store)
    problems = [f"chain {c.id}: {p}" for c in chains for p in chain_problems(runs[c])]
    for c in chains:  # the raw data really is on the server
        for hop, raw in enumerate(runs[c].raw_prefixes[:2]):
            assert raw.startswith(f"s3://{s3.bucket}/"), raw
            if not runs[c].results[hop].raw_files:
                problems.append(f"chain {c.id}: hop {hop} wrote nothing under {raw}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
