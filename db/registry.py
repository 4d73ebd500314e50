"""Every table module of the store, so Alembic and ``open_store`` see the whole schema.

Tables live in ``db/models.py`` and in ``db/models_<area>.py`` modules added by later
features; importing this registry imports them all.
"""

from __future__ import annotations

import importlib
import pkgutil

import db


def import_all_models(only: str | None = None) -> None:
    """Import every table module, or with ``only`` just those named (comma-separated).

    ``only`` exists for writing migrations: the first revision is generated from the
    core tables alone, later ones from what was added since.
    """
    wanted = {n.strip() for n in only.split(",")} if only else None
    for mod in pkgutil.iter_modules(db.__path__):
        if mod.name == "models" or mod.name.startswith("models_"):
            if wanted is None or mod.name in wanted:
                importlib.import_module(f"db.{mod.name}")
