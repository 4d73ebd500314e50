"""Services take one kind of argument: the store first, then what they act on, then the
settings, the actor and the moment as keywords (ARCHITECTURE.md). A command, a scheduled job,
a test and a replay call them the same way; none of them passes a command's context."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import floorapp.services

# What a service needs from its caller besides the store and its subject: never positional,
# so a call reads the same everywhere and a moment is never mistaken for a subject.
CONTEXT = ("settings", "actor", "now")
STORE = ("engine", "conn")


def _entry_points() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every public function (and class constructor) in floorapp.services whose first
    parameter is the store."""
    pkg = floorapp.services
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            fn = obj.__init__ if inspect.isclass(obj) else obj
            if not inspect.isfunction(fn):
                continue
            params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
            if params and params[0].name in STORE:
                yield f"{module.__name__}.{name}", fn


def test_there_are_services_to_check() -> None:
    names = dict(_entry_points())
    assert "floorapp.services.flags.acknowledge" in names
    assert "floorapp.services.board.reader.BoardReader" in names
    assert len(names) > 60


def test_every_service_takes_the_store_first_and_its_context_as_keywords() -> None:
    wrong = []
    for name, fn in _entry_points():
        params = inspect.signature(fn).parameters
        wrong += [
            f"{name}: {p} is positional"
            for p in params.values()
            if p.name in CONTEXT and p.kind is not inspect.Parameter.KEYWORD_ONLY
        ]
    assert wrong == []


def test_no_service_takes_a_command_context() -> None:
    taking = []
    pkg = floorapp.services
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            fn = obj.__init__ if inspect.isclass(obj) else obj
            if getattr(obj, "__module__", None) != module.__name__ or not inspect.isfunction(fn):
                continue
            for p in inspect.signature(fn).parameters.values():
                if p.name == "ctx" or "AppContext" in str(p.annotation):
                    taking.append(f"{module.__name__}.{name}({p.name})")
    assert taking == []
