"""``flyte-entrypoint replay``: re-run a recorded execution into a new folder and diff the outcomes."""

from __future__ import annotations

import sys
import tempfile
from typing import Any

import attrs
import click

from flyte_entrypoint.core.paths import join
from flyte_entrypoint.shell.tools import common, container_args, launch

EXIT_SAME = 0
EXIT_DIFFERENT = 1
EXIT_TROUBLE = 2


def recorded_outcome(prefix: str, store: Any) -> dict[str, Any]:
    files = launch.read_prefix(prefix, store)
    files.pop("inputs.pb", None)
    if not files:
        raise common.ToolError(f"{prefix}: no outputs.pb or error document to compare with")
    return launch.outcome(files, None)


@click.command("replay", context_settings={"ignore_unknown_options": True})
@click.argument("prefix")
@click.option(
    "--inputs",
    "inputs_uri",
    metavar="URI",
    help="The inputs to use (default: PREFIX/inputs.pb, else the args').",
)
@click.option(
    "--work", metavar="DIR|PREFIX", help="Where the replay writes (default: a new temporary folder, kept)."
)
@click.option(
    "--env", "env_items", multiple=True, metavar="K=V", help="Set an environment variable for the run."
)
@click.option(
    "--index", type=int, help="The array index of a map-task element (sets BATCH_JOB_ARRAY_INDEX_*)."
)
@click.option("--quiet", is_flag=True, help="Keep the replay's log out of stderr.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def replay_cmd(
    prefix: str,
    inputs_uri: str | None,
    work: str | None,
    env_items: tuple[str, ...],
    index: int | None,
    quiet: bool,
    command: tuple[str, ...],
) -> None:
    """Re-run the execution recorded under PREFIX (its outputs.pb or error document, and inputs.pb)
    with its container COMMAND, given after a '--' (pyflyte-execute's args, or the whole command line
    as one string): replay PREFIX [OPTIONS] -- pyflyte-execute --inputs ... -- task-module m task-name t

    The command runs locally with its inputs, output prefix, raw-output prefix and checkpoint paths
    moved to the work folder, then the new outcome is compared with the recorded one: outputs value by
    value, errors by code, kind, origin and Message text. Prints {same, differences, recorded, replayed}.

    Exit status, as diff(1): 0 the replay agrees, 1 it differs, 2 it could not be compared (usage error,
    unreadable prefix).
    """
    try:
        code = _replay(prefix, inputs_uri, work, env_items, index, quiet, command)
    except click.UsageError:
        raise
    except click.ClickException as exc:
        sys.stderr.write(f"flyte-entrypoint replay: error: {' '.join(exc.format_message().split())}\n")
        raise SystemExit(EXIT_TROUBLE) from None
    raise SystemExit(code)


def _replay(
    prefix: str,
    inputs_uri: str | None,
    work: str | None,
    env_items: tuple[str, ...],
    index: int | None,
    quiet: bool,
    command: tuple[str, ...],
) -> int:
    from flyte_entrypoint.core.outcome_diff import diff_outcomes

    words = list(command)
    if words[:1] == ["--"]:
        words = words[1:]
    parsed = container_args.parse(words)
    extra = common.env_pairs(env_items)
    if index is not None:
        extra = {**extra, "BATCH_JOB_ARRAY_INDEX_VAR_NAME": "FLYTE_ENTRYPOINT_ARRAY_INDEX"}
        extra["FLYTE_ENTRYPOINT_ARRAY_INDEX"] = str(index)
        extra["BATCH_JOB_ARRAY_INDEX_OFFSET"] = "0"
    env = launch.clean_env(extra)
    store = common.storage(env)
    recorded = recorded_outcome(prefix, store)
    source = inputs_uri
    if source is None:
        candidate = join(prefix, "inputs.pb")
        source = candidate if store.exists(candidate) else parsed.args.inputs
    root = work if work is not None else tempfile.mkdtemp(prefix="flyte-replay-")
    layout = launch.work_layout(root)
    common.write_bytes(layout["inputs"], common.read_bytes(source, store), store)
    args = attrs.evolve(
        parsed.args,
        inputs=layout["inputs"],
        output_prefix=layout["output_prefix"],
        raw_output_data_prefix=layout["raw"],
        checkpoint_path=layout["checkpoint"] if parsed.args.checkpoint_path else None,
        prev_checkpoint=None,
        test=False,
    )
    finished = launch.run_entrypoint(parsed.command, args, env, store, quiet=quiet)
    replayed = launch.outcome(finished.files, finished.returncode)
    for side in (recorded, replayed):  # the traces are in the files (``show``); keep the comparison short
        if side.get("error"):
            side["error"].pop("message", None)
    differences = diff_outcomes(recorded, replayed)
    common.emit(
        {
            "same": not differences,
            "differences": differences,
            "recorded": {"prefix": prefix, "inputs": source, **recorded},
            "replayed": {"prefix": layout["output_prefix"], **replayed},
            "work": root,
        }
    )
    return EXIT_SAME if not differences else EXIT_DIFFERENT
