"""flytekit's ShellTask (flytesnacks 'shell task' pattern)."""

from flytekit import kwtypes, workflow
from flytekit.extras.tasks.shell import OutputLocation, ShellTask
from flytekit.types.file import FlyteFile

t_count = ShellTask(
    name="t_count",
    debug=True,
    script="""
    set -ex
    wc -c {inputs.x} | cut -d' ' -f1 > {outputs.i}
    echo "{inputs.word}" >> {outputs.i}
    """,
    inputs=kwtypes(x=FlyteFile, word=str),
    output_locs=[OutputLocation(var="i", var_type=FlyteFile, location="{inputs.x}.count")],
)

t_fail = ShellTask(
    name="t_fail",
    script="exit 3",
    inputs=kwtypes(word=str),
)


@workflow
def shell_wf(x: FlyteFile, word: str = "flyte") -> FlyteFile:
    return t_count(x=x, word=word)
