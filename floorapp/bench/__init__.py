"""``floorapp bench``: every module here measures one part of floorapp.

A module exposes ``figures(quick: bool) -> Iterable[tuple[name, value, unit]]``; the
command runs them all (or those named) and prints one figure a line. Benchmarks run
on demand only, never in the test suite.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType

Figure = tuple[str, float, str]
FigureFn = Callable[[bool], Iterable[Figure]]


def modules() -> dict[str, ModuleType]:
    """Benchmark modules by name (the module's file name), in name order."""
    import floorapp.bench as pkg

    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        if callable(getattr(module, "figures", None)):
            found[info.name] = module
    return found


def run(quick: bool, only: Iterable[str] = ()) -> Iterator[Figure]:
    wanted = set(only)
    for name, module in modules().items():
        if wanted and name not in wanted:
            continue
        yield from module.figures(quick)
