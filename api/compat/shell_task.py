"""flytekit's ``ShellTask``/``OutputLocation``: a script run with ``/bin/sh`` after flytekit's templating.

Templating is flytekit's: ``str.format`` with ``inputs``/``outputs`` attribute namespaces and ``ctx`` (the
execution context); a file or directory input is downloaded and stands for its local path; a datetime stands
for its ISO form. Output locations are templated with the inputs first, then handed to the script as
``{outputs.<name>}``; after the script each becomes a ``FlyteFile``/``FlyteDirectory`` output. A non-zero
exit is flytekit's ``FlyteRecoverableException`` (USER, RECOVERABLE) with the same message layout.

The declaration is a plain :class:`TaskRecord` named ``name`` (flytekit's instance-task name), so
``task-module M task-name <variable>`` loads it with the default resolver.
"""

from __future__ import annotations

import datetime
import os
import string
import subprocess
from dataclasses import dataclass
from typing import Any

from flyte_entrypoint.schemas.task import InputVar, Interface, OutputVar, TaskRecord


@dataclass
class OutputLocation:
    var: str
    var_type: type
    location: Any


@dataclass
class ProcessResult:
    returncode: int
    output: str
    error: str


class _Namespace(dict):  # type: ignore[type-arg]
    """``{inputs.x}``: attribute-style lookup into the values."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> Any:
        from flyte_entrypoint.files import FlyteDirectory, FlyteFile

        if isinstance(value, FlyteFile | FlyteDirectory):
            value.download()
            return value.path
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        return super().format_field(value, format_spec)


def interpolate(template: str, inputs: dict[str, Any] | None = None, outputs: dict[str, Any] | None = None) -> str:
    from flyte_entrypoint.shell.context import current_context

    names = {"inputs": _Namespace(inputs or {}), "outputs": _Namespace(outputs or {}), "ctx": current_context()}
    try:
        return _Formatter().format(template, **names)
    except KeyError as e:
        raise ValueError(f"Variable {e} in Query not found in inputs {names.keys()}") from None


def _run_script(script: str, shell: str) -> ProcessResult:
    process = subprocess.Popen(
        script, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, shell=True, text=True, executable=shell
    )
    stdout, stderr = process.communicate()
    out = ""
    for line in stdout.splitlines():
        print(line)
        out += line
    return ProcessResult(process.wait(), out, stderr)


def _output_types(output_locs: list[OutputLocation]) -> dict[str, type]:
    from flyte_entrypoint.files import FlyteDirectory, FlyteFile

    outputs: dict[str, type] = {}
    for loc in output_locs:
        if loc is None:
            raise ValueError("OutputLocation cannot be none")
        if not isinstance(loc, OutputLocation):
            raise ValueError("Every output type should be an output location on the file-system")
        if loc.location is None:
            raise ValueError(f"Output Location not provided for output var {loc.var}")
        base = getattr(loc.var_type, "__origin__", loc.var_type)
        if not (isinstance(base, type) and issubclass(base, FlyteFile | FlyteDirectory)):
            raise ValueError(
                "Currently only outputs of type FlyteFile/FlyteDirectory and their derived types are supported"
            )
        outputs[loc.var] = loc.var_type
    return outputs


def ShellTask(
    name: str,
    debug: bool = False,
    script: str | None = None,
    script_file: str | None = None,
    task_config: Any = None,
    shell: str = "/bin/sh",
    inputs: dict[str, type] | None = None,
    output_locs: list[OutputLocation] | None = None,
    **kwargs: Any,
) -> TaskRecord:
    if script and script_file:
        raise ValueError("Only either of script or script_file can be provided")
    if not script and not script_file:
        raise ValueError("Either a script or script_file is needed")
    if script_file:
        if not os.path.exists(script_file):
            raise ValueError(f"FileNotFound: the specified Script file at path {script_file} cannot be loaded")
        script_file = os.path.abspath(script_file)
    locs = list(output_locs or [])
    outputs = _output_types(locs)

    def run(**values: Any) -> Any:
        from flyte_entrypoint.core.exceptions import FlyteRecoverableException
        from flyte_entrypoint.files import FlyteDirectory, FlyteFile

        text = script
        if script_file:
            with open(script_file) as f:
                text = f.read()
        where = {loc.var: interpolate(str(loc.location), inputs=values) for loc in locs}
        generated = interpolate(text or "", inputs=values, outputs=where)
        if debug:
            print("\n==============================================\n")
            print(generated)
            print("\n==============================================\n")
        result = _run_script(generated, shell)
        if result.returncode != 0:
            listing = "\n-".join(os.listdir("."))
            raise FlyteRecoverableException(
                f"Failed to Execute Script, return-code {result.returncode} \n"
                f"Current directory contents: .\n-{listing}\n"
                f"StdOut: {result.output}\n"
                f"StdErr: {result.error}\n"
            )
        final: list[Any] = []
        for loc in locs:
            base = getattr(loc.var_type, "__origin__", loc.var_type)
            final.append(FlyteFile(where[loc.var]) if issubclass(base, FlyteFile) else FlyteDirectory(where[loc.var]))
        if not final:
            return None
        return final[0] if len(final) == 1 else tuple(final)

    interface = Interface(
        tuple(InputVar(k, v) for k, v in (inputs or {}).items()),
        tuple(OutputVar(k, v) for k, v in outputs.items()),
    )
    config = {"script": script, "script_file": script_file, "shell": shell, "task_config": task_config, **kwargs}
    return TaskRecord(name, run, interface, config=config, task_type="python-task")


def RawShellTask(*args: Any, **kwargs: Any) -> TaskRecord:
    """flytekit's ``RawShellTask`` (a ``ShellTask`` whose script exports env vars and passes arguments)."""
    return ShellTask(*args, **kwargs)
