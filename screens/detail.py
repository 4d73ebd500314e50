"""Detail screens: an agent's day, and an escalation's whole history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from floorapp import words
from floorapp.services import ServiceError
from floorapp.services.board import AgentDetail, agent_detail
from floorapp.services.escalations import (
    TIER_NAMES,
    EscalationEventView,
    EscalationView,
    get_escalation,
    history,
)
from floorapp.services.flags import INTERVENTIONS
from screens import cells


def _t(when: datetime | None, tz: object) -> str:
    return "" if when is None else when.astimezone(tz).strftime("%H:%M:%S")  # type: ignore[arg-type]


class _DetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape,q", "close", "Back", id="detail.close"),
    ]
    DEFAULT_CSS = """
    _DetailScreen VerticalScroll { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("loading…"), id="body")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)

    def show(self, text: Text) -> None:
        self.query_one("#body", Static).update(text)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read off the UI thread; draw, or say why the read was refused."""
        app = self.app
        ctx, actor = app.ctx, app.actor  # type: ignore[attr-defined]

        def load() -> None:
            try:
                result = self.fetch(ctx, actor)
            except ServiceError as exc:
                app.call_from_thread(self.failed, str(exc))
                return
            app.call_from_thread(self.render_detail, *result)  # type: ignore[attr-defined]

        self.run_worker(load, thread=True, group="detail", exit_on_error=False)

    def fetch(self, ctx: Any, actor: str) -> tuple[Any, ...]:
        raise NotImplementedError  # each detail screen reads its own subject

    def failed(self, message: str) -> None:
        self.show(Text(message, style="bold red"))


class AgentDetailScreen(_DetailScreen):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape,q", "close", "Back", id="detail.close"),
        Binding("r", "raise_flag", "Raise flag", id="detail.raise_flag"),
        Binding("e", "escalate", "Escalate", id="detail.escalate"),
    ]

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self.agent_id = agent_id

    def fetch(self, ctx: Any, actor: str) -> tuple[AgentDetail]:
        return (agent_detail(ctx, actor, self.agent_id),)

    def render_detail(self, d: AgentDetail) -> None:
        tz = self.app.ctx.settings.timezone  # type: ignore[attr-defined]
        now = self.app.ctx.clock.now()  # type: ignore[attr-defined]
        a = d.agent
        out = Text()
        out.append(a.name, style="bold")
        out.append(f"  ({a.id}, team {a.team_name})\n")
        out.append("state: ")
        out.append_text(cells.state_cell(a.state, a.state_reason))
        out.append(f" for {cells.since(a.state_since, now)}")
        if a.call_started:
            out.append(f"   call {cells.since(a.call_started, now)}")
        out.append(f"\ncalls today {a.calls_today}   complaints today {a.complaints_today}\n")
        out.append("\nFlags\n", style="bold underline")
        if not d.flags:
            out.append("  none today\n")
        for f in d.flags:
            out.append(f"  {_t(f.raised_at, tz)} ")
            out.append_text(cells.severity_cell(f.severity))
            out.append(f" {words.flag_kind(f.kind)} "
                       f"[{cells.FLAG_STATUS_WORDS.get(f.status, f.status)}] ")  # type: ignore[call-overload]
            out.append((f.detail or "").replace("\n", " "))
            if f.stepped_in_by:
                out.append(f"\n      stepped in: {f.stepped_in_by} "
                           f"({INTERVENTIONS.get(f.intervention or '', f.intervention)})")
                if f.intervention_note:
                    out.append(f": {f.intervention_note}")
            if f.resolved_by:
                out.append(f"\n      resolved by {f.resolved_by}: {f.resolution_note or ''}")
            out.append("\n")
        out.append("\nEscalations\n", style="bold underline")
        if not d.escalations:
            out.append("  none today\n")
        for e in d.escalations:
            out.append(f"  #{e.id} {TIER_NAMES.get(e.tier)} {e.severity} {e.status} ")
            out.append(e.reason.replace("\n", " "))
            if e.holder:
                out.append(f"  (held by {e.holder})")
            out.append("\n")
        out.append("\nCalls today\n", style="bold underline")
        if not d.calls:
            out.append("  none yet\n")
        for c in d.calls[:200]:
            out.append(f"  {_t(c.offered_at, tz)} {words.call_outcome(c.outcome):<11}")
            if c.talk_seconds is not None:
                out.append(f" talk {cells.duration(c.talk_seconds)}")
            if c.customer_id:
                out.append(f" customer {c.customer_id}")
            if c.complaint:
                out.append(" COMPLAINT", style="bold red")
            if c.satisfaction is not None:
                out.append(f" sat {c.satisfaction}")
            out.append("\n")
        out.append("\nNotes\n", style="bold underline")
        if not d.notes:
            out.append("  none\n")
        for n in d.notes:
            out.append(f"  {_t(n.at, tz)} {n.author}: ")
            out.append(n.text)
            out.append("\n")
        self.show(out)

    def action_raise_flag(self) -> None:
        self.app.action_raise_flag(self.agent_id, then=self.reload)  # type: ignore[attr-defined]

    def action_escalate(self) -> None:
        self.app.action_escalate(self.agent_id, then=self.reload)  # type: ignore[attr-defined]


class EscalationDetailScreen(_DetailScreen):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape,q", "close", "Back", id="detail.close"),
        Binding("m", "note", "Note", id="detail.note"),
    ]

    def __init__(self, esc_id: int) -> None:
        super().__init__()
        self.esc_id = esc_id

    def fetch(self, ctx: Any, actor: str) -> tuple[EscalationView, list[EscalationEventView]]:
        # history() checks the supervisor's scope first, so it goes before the plain read.
        events = history(ctx, actor, self.esc_id)
        return get_escalation(ctx, self.esc_id), events

    def render_detail(self, e: EscalationView, events: list[EscalationEventView]) -> None:
        tz = self.app.ctx.settings.timezone  # type: ignore[attr-defined]
        now = self.app.ctx.clock.now()  # type: ignore[attr-defined]
        out = Text()
        out.append(f"Escalation #{e.id}  ", style="bold")
        out.append(f"{TIER_NAMES.get(e.tier)}  ")
        out.append_text(cells.severity_cell(e.severity))
        out.append(f"  {e.status}  hand-offs {e.handoffs}\n")
        out.append("reason: ")
        out.append(e.reason)
        out.append(f"\nagent: {e.agent_name or e.agent_id or '-'}   call: {e.call_id or '-'}"
                   f"   customer: {e.customer_id or '-'}\n")
        out.append(f"opened {_t(e.opened_at, tz)} by {e.opened_by}   deadline "
                   f"{_t(e.deadline, tz)} (")
        out.append_text(cells.deadline_cell(e.deadline, now))
        out.append(f")   holder: {e.holder or 'unclaimed'}\n")
        out.append("\nHistory\n", style="bold underline")
        for ev in events:
            out.append(f"  {_t(ev.at, tz)} {ev.actor} {words.escalation_action(ev.action)}")
            if ev.from_tier is not None or ev.to_tier is not None:
                out.append(f" ({ev.from_tier or '-'} → {ev.to_tier or '-'})")
            if ev.note:
                out.append(": ")
                out.append(ev.note)
            out.append("\n")
        self.show(out)

    def action_note(self) -> None:
        self.app.action_escalation_note(self.esc_id, then=self.reload)  # type: ignore[attr-defined]
