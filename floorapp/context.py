"""What every command needs: the database, the settings, the clock, and who is acting."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from db.engine import open_store
from floorapp.clock import SYSTEM_CLOCK, Clock
from floorapp.config import Settings, load_settings, resolve_db_url


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return os.environ.get("USER", "unknown")


@dataclass
class AppContext:
    db_url: str
    settings: Settings = field(default_factory=Settings)
    clock: Clock = SYSTEM_CLOCK
    actor: str = field(default_factory=os_user)

    @cached_property
    def engine(self) -> Engine:
        # The first command that touches a database creates or upgrades its schema.
        return open_store(self.db_url)

    @classmethod
    def from_args(
        cls, db: str | None = None, config: str | None = None, actor: str | None = None
    ) -> AppContext:
        ctx = cls(db_url=resolve_db_url(db), settings=load_settings(config))
        if actor:
            ctx.actor = actor
        return ctx
