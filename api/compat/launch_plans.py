"""flytekit's launch plans, schedules and notifications: immutable records, built without side effects.

``LaunchPlan.get_or_create`` keeps flytekit's in-process cache by name (the same arguments give the same
object; different ones under an existing name are an error). Calling a launch plan runs its workflow
locally with its fixed and default inputs, as flytekit's local execution does.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import attrs
from pyrsistent import PMap, pmap


class WorkflowExecutionPhase:
    """Phases for notifications (the flyteidl ``WorkflowExecution.Phase`` numbers)."""

    UNDEFINED = 0
    QUEUED = 1
    RUNNING = 2
    SUCCEEDING = 3
    SUCCEEDED = 4
    FAILING = 5
    FAILED = 6
    ABORTED = 7
    TIMED_OUT = 8


@attrs.frozen
class CronSchedule:
    schedule: str | None = None
    kickoff_time_input_arg: str | None = None
    cron_expression: str | None = None
    offset: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.schedule is None and self.cron_expression is None:
            raise AssertionError("Either `cron_expression` or `schedule` should be specified.")


@attrs.frozen
class FixedRate:
    duration: datetime.timedelta
    kickoff_time_input_arg: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.duration.microseconds != 0 or self.duration.seconds % 60 != 0:
            raise AssertionError(f"Unit of seconds not supported, only minutes, hours and days: {self.duration}")


@attrs.frozen
class _Notification:
    phases: tuple[int, ...] = attrs.field(converter=tuple)
    recipients_email: tuple[str, ...] = attrs.field(converter=tuple)


class Email(_Notification):
    pass


class Slack(_Notification):
    pass


class PagerDuty(_Notification):
    pass


def _frozen(value: Any) -> PMap[str, Any]:
    return pmap(value)


@attrs.frozen
class LaunchPlan:
    """A named way to run a workflow (schedule, notifications, fixed and default inputs)."""

    CACHE: ClassVar[dict[str, LaunchPlan]] = {}

    name: str
    workflow: Any
    default_inputs: PMap[str, Any] = attrs.field(factory=pmap, converter=_frozen)
    fixed_inputs: PMap[str, Any] = attrs.field(factory=pmap, converter=_frozen)
    schedule: Any = None
    notifications: tuple[Any, ...] = attrs.field(default=(), converter=tuple)
    options: PMap[str, Any] = attrs.field(factory=pmap, converter=_frozen)

    @classmethod
    def get_or_create(cls, workflow: Any, name: str | None = None, default_inputs: dict[str, Any] | None = None,
                      fixed_inputs: dict[str, Any] | None = None, schedule: Any = None,
                      notifications: list[Any] | None = None, **options: Any) -> LaunchPlan:
        if name is None:
            name = getattr(workflow, "name", getattr(workflow, "__name__", "workflow"))
            if name in cls.CACHE:
                return cls.CACHE[name]
        plan = cls(name, workflow, default_inputs or {}, fixed_inputs or {}, schedule, notifications or (),
                   {k: v for k, v in options.items() if v is not None})
        cached = cls.CACHE.get(name)
        if cached is not None:
            if cached != plan:
                raise AssertionError(
                    f"Trying to create two launch plans with the same name ({name}) but different parameters"
                )
            return cached
        cls.CACHE[name] = plan
        return plan

    @classmethod
    def create(cls, name: str, workflow: Any, **kwargs: Any) -> LaunchPlan:
        return cls.get_or_create(workflow, name, **kwargs)

    @classmethod
    def get_default_launch_plan(cls, ctx: Any, workflow: Any) -> LaunchPlan:
        return cls.get_or_create(workflow)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        inputs = {**dict(self.default_inputs), **kwargs, **dict(self.fixed_inputs)}
        return self.workflow(*args, **inputs)


def reference_launch_plan(project: str, domain: str, name: str, version: str) -> Any:
    def wrap(fn: Any) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise TypeError(f"reference launch plan {project}/{domain}/{name}@{version} runs on a Flyte backend only")

        return refuse

    return wrap
