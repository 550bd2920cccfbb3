"""``startup`` / ``map_fanout``: the smallest possible tasks (flytekit's decorators when importable, else ours)."""

try:
    from flytekit import task
except ImportError:
    from flyte_entrypoint import task


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def square(x: int) -> int:
    return x * x
