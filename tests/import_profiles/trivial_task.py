"""The trivial tasks whose start-up ``tests/import_profile.py`` profiles: one tiny literal each way."""

from flyte_entrypoint import task


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def square(x: int) -> int:
    return x * x
