"""A task module written for flytekit (flytesnacks 'basics' and 'data types and IO' patterns)."""

import functools
import os
import typing
from dataclasses import dataclass
from datetime import timedelta

import flytekit
from flytekit import (
    CronSchedule,
    Email,
    FixedRate,
    ImageSpec,
    LaunchPlan,
    Resources,
    Secret,
    TaskMetadata,
    WorkflowExecutionPhase,
    conditional,
    current_context,
    map_task,
    task,
    workflow,
)
from flytekit.core.node_creation import create_node
from flytekit.exceptions.user import FlyteRecoverableException
from flytekit.extras.accelerators import T4
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

image = ImageSpec(name="basics", registry="ghcr.io/example", packages=["pandas", "pyarrow"])

if image.is_container():
    import json  # noqa: F401  (stands for a heavy import guarded by the image)


@dataclass
class Point:
    x: float
    y: float
    label: str = ""


@task(requests=Resources(cpu="1", mem="200Mi"), limits=Resources(mem="1Gi"), retries=2, cache=True,
      cache_version="1.0", container_image=image, environment={"A": "1"})
def add(a: int, b: int) -> int:
    return a + b


@task(secret_requests=[Secret(group="g", key="k")], timeout=timedelta(minutes=5), interruptible=True)
def greet(name: str, times: int = 2) -> str:
    return ", ".join(f"hello {name}" for _ in range(times))


@task(accelerator=T4, enable_deck=False)
def stats(values: typing.List[float]) -> typing.Tuple[float, float]:
    return min(values), max(values)


class Summary(typing.NamedTuple):
    total: int
    mean: float


@task
def summarize(xs: typing.List[int]) -> Summary:
    return Summary(sum(xs), sum(xs) / len(xs))


@task
def move(p: Point, dx: float) -> Point:
    return Point(p.x + dx, p.y, p.label + "*")


@task
def maybe(v: typing.Optional[int] = None) -> typing.Optional[str]:
    return None if v is None else str(v)


@task
def counts(words: typing.List[str]) -> typing.Dict[str, int]:
    out: typing.Dict[str, int] = {}
    for w in words:
        out[w] = out.get(w, 0) + 1
    return out


@task
def write_file(text: str) -> FlyteFile:
    path = os.path.join(current_context().working_directory, "out.txt")
    with open(path, "w") as f:
        f.write(text)
    return FlyteFile(path)


@task
def read_file(f: FlyteFile) -> str:
    with open(f) as fh:
        return fh.read().upper()


@task
def write_dir(n: int) -> FlyteDirectory:
    d = os.path.join(flytekit.current_context().working_directory, "many")
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        with open(os.path.join(d, f"f{i}.txt"), "w") as f:
            f.write(str(i * i))
    return FlyteDirectory(d)


@task
def square(x: int) -> int:
    return x * x


@task
def is_even(x: int) -> bool:
    return x % 2 == 0


@task
def half(x: int) -> int:
    return x // 2


@task
def triple_plus_one(x: int) -> int:
    return 3 * x + 1


@task
def failing(x: int) -> int:
    if x > 0:
        raise ValueError(f"x must not be positive, got {x}")
    return x


@workflow
def collatz_step(x: int = 6) -> int:
    even = is_even(x=x)
    return conditional("collatz").if_(even.is_true()).then(half(x=x)).else_().then(triple_plus_one(x=x))


@workflow
def basics_wf(a: int = 3, b: int = 4, name: str = "flyte") -> str:
    s = add(a=a, b=b)
    create_node(greet, name=name)
    stats(values=[1.5, 2.5, 0.5])
    summarize(xs=[1, 2, 3, 4])
    move(p=Point(1.0, 2.0, "p"), dx=0.5)
    maybe(v=s)
    maybe()
    counts(words=["a", "b", "a"])
    f = write_file(text="some text")
    up = read_file(f=f)
    write_dir(n=3)
    map_task(square)(x=[1, 2, 3])
    collatz_step(x=s)
    return up


every_hour = LaunchPlan.get_or_create(
    basics_wf, name="basics_hourly", schedule=FixedRate(duration=timedelta(hours=1)), default_inputs={"a": 1}
)
nightly = LaunchPlan.get_or_create(
    basics_wf,
    name="basics_nightly",
    schedule=CronSchedule(schedule="0 2 * * *"),
    notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["a@example.com"])],
)
metadata = TaskMetadata(retries=3)

if __name__ == "__main__":
    print(basics_wf())


@task(retries=3)
def recoverable(attempt: int) -> int:
    if attempt < 3:
        raise FlyteRecoverableException(f"attempt {attempt} failed, retry")
    return attempt


@task
def in_image() -> bool:
    return image.is_container()


@task
def scale(x: float, factor: int) -> float:
    return x * factor


@workflow
def scaled(xs: typing.List[float] = [1.0, 2.0]) -> typing.List[float]:  # noqa: B006 (flytesnacks style)
    return map_task(functools.partial(scale, factor=2))(x=xs)
