"""flytekit's ``CompilationState``, as a record: what ``FlyteContext.new_compilation_state`` returns.

flyte-entrypoint compiles no workflows (a container runs one task), so nothing reads these fields; the
record exists so that code written against ``FlyteContext`` can build and carry one.
"""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class CompilationState:
    """``prefix`` names nodes made while compiling; ``mode`` 1 is flytekit's only mode."""

    prefix: str
    mode: int = 1
    task_resolver: Any = None
    nodes: tuple[Any, ...] = ()

    def add_node(self, n: Any) -> CompilationState:
        return attrs.evolve(self, nodes=(*self.nodes, n))

    def with_params(
        self, prefix: str, mode: int | None = None, resolver: Any = None, nodes: tuple[Any, ...] | None = None
    ) -> CompilationState:
        return CompilationState(
            prefix=prefix if prefix else "",
            mode=mode if mode else self.mode,
            task_resolver=resolver if resolver else self.task_resolver,
            nodes=nodes if nodes else (),
        )
