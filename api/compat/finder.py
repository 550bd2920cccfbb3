"""The ``sys.meta_path`` finder that answers ``flytekit`` imports from :mod:`flyte_entrypoint.compat.table`.

Contract:

* it sits first on ``sys.meta_path`` (it answers only ``flytekit*`` names) and, for the top-level
  ``flytekit``, asks every other finder first: a real flytekit that can be imported is always the one
  imported, while a bare directory named ``flytekit`` (a namespace package, e.g. an output folder in the
  working directory) does not count;
* every module it makes is a package with an empty ``__path__``, so ``flytekit.a.b`` is asked of this
  finder again (the path finder finds nothing under an empty path);
* module attributes are resolved on first access (``module:attr`` targets), then cached in the module;
* a name or module missing from the table raises :class:`FlytekitNameNotProvided` naming the flytekit
  name and the module whose import asked for it. Private names (``_x``) raise ``AttributeError`` so that
  ``hasattr``/``getattr(m, "__wrapped__", None)`` probes behave as on any module.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
import types
from collections.abc import Sequence
from typing import Any

ROOT = "flytekit"
_HERE = os.path.dirname(os.path.abspath(__file__))
_STATE = {"task_container": False}


class FlytekitNameNotProvided(ImportError):
    """A flytekit module or name that flyte-entrypoint's compatibility layer does not provide."""

    def __init__(self, flytekit_name: str, importer: str | None, detail: str = "") -> None:
        self.flytekit_name = flytekit_name
        self.importer = importer
        where = f" (imported by module {importer!r})" if importer else ""
        reason = f": {detail}" if detail else ""
        super().__init__(
            f"flyte-entrypoint does not provide the flytekit name {flytekit_name!r}{where}{reason}. "
            "Run this module with flytekit installed, or use what flyte-entrypoint supports "
            "(README: 'Running code written for flytekit')",
            name=flytekit_name,
        )


class FlytekitFeatureNotSupported(Exception):
    """A flytekit feature the compatibility layer declares but does not run (a USER error document)."""


def importing_module() -> str | None:
    """``__name__`` of the innermost frame outside the import machinery and this package."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not (filename.startswith("<frozen importlib") or filename.startswith(_HERE)):
            name = frame.f_globals.get("__name__")
            if name != "importlib" and name is not None:
                return str(name)
        frame = frame.f_back  # type: ignore[assignment]
    return None


class CompatModule(types.ModuleType):
    """A ``flytekit...`` module of the compatibility layer: names resolved lazily from the table."""

    def __getattr__(self, name: str) -> Any:
        from flyte_entrypoint.compat import table

        full = f"{self.__name__}.{name}"
        target = table.target_of(self.__name__, name)
        if target is not None:
            value = table.resolve(target, full)
            setattr(self, name, value)
            return value
        if table.is_module(full):
            return importlib.import_module(full)
        if name.startswith("_"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        raise FlytekitNameNotProvided(full, importing_module())

    def __dir__(self) -> list[str]:
        from flyte_entrypoint.compat import table

        return sorted(set(super().__dir__()) | set(table.names_of(self.__name__)))


class _AliasLoader:
    """``flytekit.x`` *is* one of our modules (the same object under two names)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._saved: tuple[Any, bool] | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        try:
            module = importlib.import_module(self.target)
        except ModuleNotFoundError as exc:
            if exc.name and self.target.startswith(exc.name):
                raise FlytekitNameNotProvided(
                    spec.name, importing_module(), f"{self.target} is not installed"
                ) from None
            raise
        # the import system stamps our spec (and a __path__) on the module after this: undone in exec_module
        self._saved = (module.__spec__, hasattr(module, "__path__"))
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        if self._saved is not None:
            spec, had_path = self._saved
            module.__spec__ = spec
            if not had_path and hasattr(module, "__path__"):
                del module.__path__
            self._saved = None


class _CompatLoader:
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = CompatModule(spec.name, f"flytekit compatibility module of flyte-entrypoint ({spec.name})")
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


_LOADER = _CompatLoader()


def _real_flytekit_spec(me: object) -> importlib.machinery.ModuleSpec | None:
    for finder in list(sys.meta_path):
        if finder is me or not hasattr(finder, "find_spec"):
            continue
        try:
            spec = finder.find_spec(ROOT, None)
        except (ImportError, AttributeError, ValueError):
            continue
        if spec is not None and spec.origin is not None:  # a bare directory named flytekit is not flytekit
            return spec
    return None


class FlytekitCompatFinder:
    """Finds ``flytekit`` and ``flytekit.*`` in the compatibility table when flytekit is not installed."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != ROOT and not fullname.startswith(ROOT + "."):
            return None
        if fullname == ROOT:
            if _real_flytekit_spec(self) is not None:
                return None
        elif not isinstance(sys.modules.get(ROOT), CompatModule):
            return None  # a real flytekit was imported: its submodules are its own business
        from flyte_entrypoint.compat import table

        alias = table.alias_of(fullname)
        if alias is not None:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(alias), is_package=True)  # type: ignore[arg-type]
        if table.is_module(fullname):
            return importlib.machinery.ModuleSpec(fullname, _LOADER, is_package=True)  # type: ignore[arg-type]
        raise FlytekitNameNotProvided(fullname, importing_module())


_FINDER = FlytekitCompatFinder()


def activate(task_container: bool = False) -> None:
    """Make ``import flytekit...`` resolve to flyte-entrypoint when flytekit is not installed (idempotent).

    ``task_container=True`` is for our commands only: ``ImageSpec.is_container()`` then compares
    ``_F_IMG_ID`` with the spec's id, as flytekit does while executing a task; otherwise it is True, as
    in a local run.
    """
    if task_container:
        _STATE["task_container"] = True
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def deactivate() -> None:
    """Remove the finder and forget the compatibility modules it created (for tests)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name, module in list(sys.modules.items()):
        ours = isinstance(module, CompatModule) or getattr(module, "__name__", "").startswith("flyte_entrypoint")
        if (name == ROOT or name.startswith(ROOT + ".")) and ours:
            del sys.modules[name]
    _STATE["task_container"] = False


def is_active() -> bool:
    return _FINDER in sys.meta_path


def in_task_container() -> bool:
    """True inside our commands (set by ``activate(task_container=True)``)."""
    return _STATE["task_container"]
