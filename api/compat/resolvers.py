"""flytekit's resolver objects, as named in container args written by flytekit 1.16's registration.

flytekit writes these ``--resolver`` paths (its source: every ``TaskResolverMixin`` with a ``location``):

* ``flytekit.core.python_auto_container.default_task_resolver`` → :data:`default_task_resolver` (loads
  ``task-module M task-name N`` with our loader, and reports a task declared as unsupported);
* ``flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver`` → flyte-entrypoint's own class (the inner
  ``resolver`` in its loader args is one of these paths again);
* ``flytekit.core.legacy_map_task.MapTaskResolver`` → refused by the loader (README, map tasks);
* ``flytekit.core.python_auto_container.default_notebook_task_resolver``,
  ``flytekit.core.python_customized_container_task.default_task_template_resolver``,
  ``flytekit.core.class_based_resolver.ClassStorageTaskResolver``,
  ``flytekit.core.python_function_task.eager_failure_task_resolver``,
  ``flytekit.extras.cloud_pickle_resolver.experimental_cloud_pickle_resolver`` → a USER error document
  naming what is not supported and why.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from flyte_entrypoint.compat.finder import FlytekitFeatureNotSupported
from flyte_entrypoint.schemas.task import TaskRecord, UnsupportedTask
from flyte_entrypoint.shell.loader import DefaultTaskResolver as _OurResolver

FLYTEKIT_DEFAULT_RESOLVER = "flytekit.core.python_auto_container.default_task_resolver"


class DefaultTaskResolver(_OurResolver):
    """flyte-entrypoint's loader under flytekit's name; a task the layer declared unsupported fails here."""

    def location(self) -> str:
        return FLYTEKIT_DEFAULT_RESOLVER

    def load_task(self, loader_args: Sequence[str]) -> TaskRecord:
        try:
            return super().load_task(loader_args)
        except TypeError:
            found = self._declared(loader_args)
            if isinstance(found, UnsupportedTask):
                raise FlytekitFeatureNotSupported(f"task {found.name}: {found.reason}") from None
            as_unsupported = getattr(found, "as_unsupported", None)
            if callable(as_unsupported):
                unsupported = as_unsupported()
                raise FlytekitFeatureNotSupported(f"task {unsupported.name}: {unsupported.reason}") from None
            raise

    @staticmethod
    def _declared(loader_args: Sequence[str]) -> Any:
        args = list(loader_args)
        module = importlib.import_module(args[args.index("task-module") + 1])  # already imported: cached
        return getattr(module, args[args.index("task-name") + 1])


class _Refusing:
    """A flytekit resolver this entrypoint deliberately does not implement."""

    def __init__(self, location: str, why: str) -> None:
        self._location = location
        self._why = why

    def name(self) -> str:
        return self._location.rsplit(".", 1)[-1]

    def location(self) -> str:
        return self._location

    def load_task(self, loader_args: Sequence[str], *_: Any, **__: Any) -> Any:
        raise FlytekitFeatureNotSupported(f"{self._location} is not supported by flyte-entrypoint: {self._why}")

    def __call__(self) -> _Refusing:  # class-style paths are instantiated by the driver
        return self


default_task_resolver = DefaultTaskResolver()
default_notebook_task_resolver = _Refusing(
    "flytekit.core.python_auto_container.default_notebook_task_resolver",
    "notebook tasks are loaded by unpickling the task object itself (code from the archive)",
)
default_task_template_resolver = _Refusing(
    "flytekit.core.python_customized_container_task.default_task_template_resolver",
    "customized-container tasks (SQLite3Task and plugins) run in their plugin's own flytekit image",
)
TaskTemplateResolver = default_task_template_resolver
ClassStorageTaskResolver = _Refusing(
    "flytekit.core.class_based_resolver.ClassStorageTaskResolver",
    "tasks stored on a workflow class are found through flytekit's workflow objects",
)
eager_failure_task_resolver = _Refusing(
    "flytekit.core.python_function_task.eager_failure_task_resolver",
    "the clean-up task of @eager workflows terminates sub-executions through FlyteRemote",
)
experimental_cloud_pickle_resolver = _Refusing(
    "flytekit.extras.cloud_pickle_resolver.experimental_cloud_pickle_resolver",
    "it unpickles the task from the container arguments (code execution from args)",
)
