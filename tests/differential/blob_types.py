"""A plain class (no transformer in either engine) for the pickle differential test; importable in both venvs."""


class Obj:
    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Obj) and other.n == self.n

    def __hash__(self) -> int:
        return hash(self.n)
