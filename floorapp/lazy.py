"""A package's names loaded from their modules on first use (a module ``__getattr__``).

For a package whose ``__init__`` would otherwise import modules most processes never need:
``__getattr__ = lazy.exports(__name__, {"Name": "module", ...})``, with the same names
imported under ``TYPE_CHECKING`` so mypy and readers see where each lives.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)

    return __getattr__
