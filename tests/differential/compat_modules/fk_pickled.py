"""A module written for flytekit whose values flytekit pickles (types without a transformer)."""

import typing

from flytekit import task, workflow


class Model:
    def __init__(self, weights: typing.List[float]) -> None:
        self.weights = weights

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and other.weights == self.weights


@task
def train(n: int) -> Model:
    return Model([float(i) for i in range(n)])


@task
def score(m: Model) -> float:
    return sum(m.weights)


@task
def many(n: int) -> typing.List[Model]:
    return [Model([float(i)]) for i in range(n)]


@workflow
def pickled_wf(n: int = 3) -> float:
    return score(m=train(n=n))


@task(pickle_untyped=True)
def untyped(x, n: int):
    return [x] * n
