"""Run task modules written for flytekit, unchanged, on an image without flytekit.

``activate()`` puts one finder on ``sys.meta_path`` that answers ``import flytekit`` and
``import flytekit.<sub>`` with modules of this package, *only* when no real flytekit can be imported
(a real one always wins, so an image or a dev venv that has flytekit keeps it). Names are resolved
lazily from the table in :mod:`flyte_entrypoint.compat.table`: ``from flytekit import task`` imports
just what ``task`` needs, so start-up stays cheap.

The three commands activate it before importing the resolver. For tests and local runs::

    import flyte_entrypoint.compat; flyte_entrypoint.compat.activate()

A flytekit name this layer does not provide raises :class:`FlytekitNameNotProvided` (an
``ImportError``) naming the flytekit name and the module that imported it.
"""

from __future__ import annotations

from flyte_entrypoint.compat.finder import (
    FlytekitFeatureNotSupported,
    FlytekitNameNotProvided,
    activate,
    deactivate,
    in_task_container,
    is_active,
)

__all__ = ["FlytekitFeatureNotSupported", "FlytekitNameNotProvided", "activate", "deactivate", "in_task_container", "is_active"]
