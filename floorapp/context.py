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
from floorapp.i18n import N_, said


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
            ctx.refuse_other_login_over_ssh()
        return ctx

    def refuse_other_login_over_ssh(self) -> None:
        """Over SSH, a supervisor's own login acts as that supervisor only.

        A key's forced command names the supervisor (``--as NAME``) on a service account that
        is no supervisor; a supervisor with a shell login could type any ``--as`` and so have
        more rights than the same person through a forced command. Refused and audited.
        """
        from floorapp.identity import over_ssh

        login = os_user()
        if not over_ssh() or self.actor == login:
            return
        from floorapp import policy
        from floorapp.identity import load_actor
        from floorapp.text import say

        if load_actor(self.engine, login) is None:
            return
        refused = policy.NotAllowed(
            "identity.as_other",
            login,
            said(
                N_("over SSH, {login} acts as {login} only, not as {actor}"),
                login=login,
                actor=self.actor,
            ),
            target_kind="supervisor",
            target_id=self.actor,
        )
        policy.audit_refusal(self.engine, refused, self.clock.now())
        say(f"floorapp: {refused.message}", err=True)
        raise SystemExit(1)
