"""A supervisor's note on an agent ("spoke to her after the call, fine now"), from the
agent's detail; the feed's notes land in the same table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select

from db.models import Agent, AgentNote
from floorapp import audit, policy
from floorapp.i18n import _
from floorapp.services import ServiceError
from floorapp.services.scope import OutOfScope
from floorapp.text import clean

MAX_NOTE = 2000


class NoteError(ServiceError):
    pass


def add_note(engine: Engine, agent_id: str, text: str, *, actor: str, now: datetime) -> int:
    """The new note's id."""
    body = (clean(text, multiline=True) or "").strip()
    if not body:
        raise NoteError(_("write the note first"))
    if len(body) > MAX_NOTE:
        raise NoteError(
            _("a note holds at most {MAX_NOTE} characters ({n} given)").format(
                MAX_NOTE=MAX_NOTE, n=len(body)
            )
        )
    who = clean(actor) or "?"

    def tx(conn: Connection) -> int:
        team = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).first()
        if team is None:
            raise NoteError(_("no agent {agent_id!r} on this floor").format(agent_id=agent_id))
        policy.check(
            conn,
            "agent.note",
            who,
            team=team[0],
            target_kind="agent",
            target_id=agent_id,
            error=OutOfScope,
        )
        note_id = conn.execute(
            insert(AgentNote)
            .values(agent_id=agent_id, at=now, author=who, text=body)
            .returning(AgentNote.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            actor=who,
            action="agent.note",
            target_kind="agent",
            target_id=agent_id,
            detail=body,
        )
        return int(note_id)

    return policy.write(engine, tx, now=now)
