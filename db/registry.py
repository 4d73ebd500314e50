"""Every table module of the store, so Alembic and ``open_store`` see the whole schema.

Tables live in ``db/models.py`` and in ``db/models_<area>.py`` modules added by later
features; importing this registry imports them all.
"""

from __future__ import annotations

import importlib
import pkgutil

import db


def import_all_models() -> None:
    for mod in pkgutil.iter_modules(db.__path__):
        if mod.name == "models" or mod.name.startswith("models_"):
            importlib.import_module(f"db.{mod.name}")
