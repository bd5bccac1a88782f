"""Libraries otter imports that a graded notebook never uses, loaded on first use instead.

``import otter`` loads nbconvert (for its PDF exporters), pandas (for the table its command-line
grader prints) and ipylab (for JupyterLab's save button): 0.6 s of the 1 s of CPU otter costs,
paid on every Gradescope run, where the fork server is started for one submission. A deferred
module is in ``sys.modules`` with its spec and file but none of its code run; the first name read
from it that it does not have runs its code in place, so every reference to it sees the real
module from then on (a submission that imports pandas gets pandas, a moment later).

importlib.util.LazyLoader does not do here: Python 3.11's import statement reads ``__spec__`` of
a module it finds in ``sys.modules``, and LazyLoader loads a module on any attribute read, so the
next ``import nbconvert`` (otter has several) loads it.
"""

import importlib.util
import sys
import types

UNUSED_WHEN_GRADING = ("nbconvert", "pandas", "ipylab")


class _Deferred(types.ModuleType):
    def __getattr__(self, name):
        """Only called for a name the module does not have: run its code, then read the name."""
        spec = self.__spec__
        self.__class__ = types.ModuleType
        if spec.submodule_search_locations is not None:
            self.__path__ = spec.submodule_search_locations
        try:
            spec.loader.exec_module(self)
        except BaseException:
            if sys.modules.get(spec.name) is self:  # as a failed import leaves it: not imported
                del sys.modules[spec.name]
            raise
        return getattr(self, name)


def defer(names=UNUSED_WHEN_GRADING) -> None:
    """Put each of ``names`` not imported yet in ``sys.modules``, its code not run. A package's
    ``__path__`` is held back, so importing one of its submodules loads the package first.
    Top-level modules only: finding a submodule's spec imports its package, whose code may import
    the submodule itself, and the loaded module would then be replaced by an unrun one."""
    for name in names:
        if "." in name:
            raise ValueError(f"{name}: only a top-level module can be deferred")
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue  # not installed: an import of it fails as it would have
        module = importlib.util.module_from_spec(spec)
        module.__dict__.pop("__path__", None)
        module.__class__ = _Deferred
        sys.modules[name] = module
