"""``startup_flytekit_module``: a trivial task module written for flytekit, run unchanged by both sides.

No fallback import: on our side ``flytekit`` resolves to flyte-entrypoint's compatibility layer, and the
container args name flytekit's resolver, as ``pyflyte register`` writes them.
"""

from flytekit import ImageSpec, Resources, task, workflow

image = ImageSpec(name="bench", packages=["pandas"])


@task(requests=Resources(cpu="1", mem="200Mi"), container_image=image, retries=2)
def add(a: int, b: int) -> int:
    return a + b


@workflow
def wf(a: int = 3, b: int = 4) -> int:
    return add(a=add(a=a, b=b), b=b)
