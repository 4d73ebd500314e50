"""Detail screens: an agent's day, and an escalation's whole history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from floorapp import i18n, words
from floorapp.i18n import MARKS, _, ngettext
from floorapp.services import ServiceError
from floorapp.services.board import AgentDetail, agent_detail
from floorapp.services.drills import DrillView, agent_drills
from floorapp.services.escalations import (
    EscalationEventView,
    EscalationView,
    get_escalation,
    history,
)
from floorapp.services.requests import RequestView, listing
from screens import cells
from screens.actions import bindings, console
from screens.cells import Wrapped
from screens.footer import FloorFooter
from screens.requests import category, time_left


def _drill_status(d: DrillView, now: datetime) -> str:
    if d.overdue(now):
        return _("OVERDUE")
    return {
        "passed": _("Passed"),
        "practice": _("Needs practice"),
        "due": _("due now"),
        "planned": _("planned"),
    }.get(d.status, d.status)


def _t(when: datetime | None, tz: object) -> str:
    return "" if when is None else i18n.clock(when, tz)


class _DetailScreen(Screen[None]):
    DEFAULT_CSS = """
    _DetailScreen VerticalScroll { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(_("loading") + MARKS.loading), id="body")
        yield FloorFooter(compact=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def show(self, text: Text) -> None:
        self.query_one("#body", Static).update(Wrapped(text))

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read off the UI thread; draw, or say why the read was refused."""
        app = console(self)
        ctx, actor = app.ctx, app.actor

        def load() -> None:
            try:
                result = self.fetch(ctx, actor)
            except ServiceError as exc:
                app.call_from_thread(self.failed, str(exc))
                return
            app.call_from_thread(self.render_detail, *result)

        self.run_worker(load, thread=True, group="detail", exit_on_error=False)

    def fetch(self, ctx: Any, actor: str) -> tuple[Any, ...]:
        raise NotImplementedError  # each detail screen reads its own subject

    def render_detail(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError  # each detail screen draws what its fetch read

    def failed(self, message: str) -> None:
        self.show(Text(message, style="bold red"))


class AgentDetailScreen(_DetailScreen):
    SCOPE = "agent"
    BINDINGS: ClassVar[list[BindingType]] = bindings("agent")
    # Read again each second, as the board is: time in state and the call run on.
    LIVE_EVERY = 1.0

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self.agent_id = agent_id
        self._drawn: str | None = None
        self._reading = False

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(self.LIVE_EVERY, self.reload_if_idle)

    def reload_if_idle(self) -> None:
        # One read at a time: a slow database never piles reads up behind each other.
        if not self._reading:
            self._reading = True
            self.reload()

    def failed(self, message: str) -> None:
        self._reading = False
        super().failed(message)

    def fetch(self, ctx: Any, actor: str) -> tuple[AgentDetail, list[DrillView], list[RequestView]]:
        # The board's clock and day (floorapp.figures.clock): once the feed is quiet, its
        # last event's time, so the call and the day here are the board's, not the wall's.
        detail = agent_detail(
            ctx.engine,
            self.agent_id,
            settings=ctx.settings,
            actor=actor,
            now=console(self).floor_now(),
        )
        # Drills and requests have deadlines for people: the wall clock.
        now = ctx.clock.now()
        return (
            detail,
            agent_drills(ctx.engine, self.agent_id, actor=actor, now=now),
            listing(ctx.engine, actor=actor, now=now, agent=self.agent_id),
        )

    def render_detail(
        self,
        d: AgentDetail,
        drills: list[DrillView] | None = None,
        requests: list[RequestView] | None = None,
    ) -> None:
        self._reading = False
        tz = console(self).ctx.settings.timezone
        now = console(self).ctx.clock.now()
        floor_now = console(self).floor_now()
        a = d.agent
        out = Text()
        out.append(a.name, style="bold")
        out.append(_("  ({id}, team {team})").format(id=a.id, team=a.team_name) + "\n")
        out.append(_("state: "))
        out.append_text(cells.state_cell(a.state, a.state_reason))
        out.append(_(" for {duration}").format(duration=cells.since(a.state_since, floor_now)))
        if a.call_started:
            out.append(
                _("   call {duration}").format(duration=cells.since(a.call_started, floor_now))
            )
        out.append(
            "\n"
            + _("calls today {calls}   complaints today {complaints}").format(
                calls=a.calls_today, complaints=a.complaints_today
            )
            + "\n"
        )
        out.append("\n" + _("Flags") + "\n", style="bold underline")
        if not d.flags:
            out.append(_("  none today") + "\n")
        for f in d.flags:
            out.append(f"  {_t(f.raised_at, tz)} ")
            out.append_text(cells.severity_cell(f.severity))
            out.append(
                f" {words.flag_kind(f.kind)} [{cells.FLAG_STATUS_WORDS.get(f.status, f.status)}] "
            )
            out.append((f.detail or "").replace("\n", " "))
            if f.stepped_in_by:
                out.append(
                    "\n      "
                    + _("stepped in: {who} ({how})").format(
                        who=f.stepped_in_by, how=words.intervention(f.intervention)
                    )
                )
                if f.intervention_note:
                    out.append(f": {f.intervention_note}")
            if f.resolved_by:
                out.append(
                    "\n      "
                    + _("resolved by {who}: {note}").format(
                        who=f.resolved_by, note=f.resolution_note or ""
                    )
                )
            out.append("\n")
        out.append("\n" + _("Escalations") + "\n", style="bold underline")
        if not d.escalations:
            out.append(_("  none today") + "\n")
        for e in d.escalations:
            out.append(
                f"  #{e.id} {words.tier(e.tier)} {words.severity(e.severity)} "
                f"{words.escalation_status(e.status)} "
            )
            out.append(e.reason.replace("\n", " "))
            if e.holder:
                out.append(_("  (held by {who})").format(who=e.holder))
            out.append("\n")
        out.append("\n" + _("Calls today") + "\n", style="bold underline")
        if not d.calls:
            out.append(_("  none yet") + "\n")
        outcome_width = max(
            (cell_len(words.call_outcome(c.outcome)) for c in d.calls[:200]), default=0
        )
        for c in d.calls[:200]:
            outcome = words.call_outcome(c.outcome)
            out.append(
                f"  {_t(c.offered_at, tz)} {outcome}"
                + " " * (max(outcome_width, 11) - cell_len(outcome))
            )
            if c.talk_seconds is not None:
                out.append(_(" talk {duration}").format(duration=cells.duration(c.talk_seconds)))
            if c.customer_id:
                out.append(_(" customer {id}").format(id=c.customer_id))
            if c.complaint:
                out.append(_(" COMPLAINT"), style="bold red")
            if c.satisfaction is not None:
                out.append(_(" sat {score}").format(score=c.satisfaction))
            out.append("\n")
        if drills:
            out.append("\n" + _("Drills") + "\n", style="bold underline")
            for dr in drills:
                out.append(f"  {_t(dr.planned_at, tz)} {dr.title} ")
                out.append(_drill_status(dr, now), style="bold red" if dr.overdue(now) else "")
                if dr.note:
                    out.append(f": {dr.note}")
                out.append("\n")
        if requests:
            out.append("\n" + _("Requests") + "\n", style="bold underline")
            for r in requests:
                out.append(f"  #{r.id} {_t(r.raised_at, tz)} {category(r.category)} ")
                out.append_text(time_left(r, now))
                out.append(" " + r.text.replace("\n", " "))
                if r.answer:
                    out.append(" → " + r.answer.replace("\n", " "))
                out.append("\n")
        out.append("\n" + _("Notes") + "\n", style="bold underline")
        if not d.notes:
            out.append(_("  none") + "\n")
        for n in d.notes:
            out.append(f"  {_t(n.at, tz)} {n.author}: ")
            out.append(n.text)
            out.append("\n")
        if out.plain != self._drawn:  # redrawn only when a word moved (keeps the scroll)
            self._drawn = out.plain
            self.show(out)

    def action_note(self) -> None:
        from floorapp.services.agent_notes import add_note
        from screens.dialogs import NoteDialog

        app = console(self)

        def noted(text: object) -> None:
            if text:
                app.perform(
                    _("Note added"),
                    lambda: add_note(
                        app.ctx.engine,
                        self.agent_id,
                        str(text),
                        actor=app.actor,
                        now=app.ctx.clock.now(),
                    ),
                    then=self.reload,
                )

        app.push_screen(NoteDialog(_("A note on this agent")), noted)


class EscalationDetailScreen(_DetailScreen):
    SCOPE = "escalation"
    BINDINGS: ClassVar[list[BindingType]] = bindings("escalation")

    def __init__(self, esc_id: int) -> None:
        super().__init__()
        self.esc_id = esc_id

    def fetch(self, ctx: Any, actor: str) -> tuple[EscalationView, list[EscalationEventView]]:
        # history() checks the supervisor's scope first, so it goes before the plain read.
        events = history(ctx.engine, self.esc_id, actor=actor, now=ctx.clock.now())
        return get_escalation(ctx.engine, self.esc_id), events

    def render_detail(self, e: EscalationView, events: list[EscalationEventView]) -> None:
        tz = console(self).ctx.settings.timezone
        now = console(self).ctx.clock.now()
        out = Text()
        out.append(_("Escalation #{id}").format(id=e.id) + "  ", style="bold")
        out.append(f"{words.tier(e.tier)}  ")
        out.append_text(cells.severity_cell(e.severity))
        out.append(
            f"  {words.escalation_status(e.status)}  "
            + ngettext("{n} hand-off", "{n} hand-offs", e.handoffs).format(n=e.handoffs)
            + "\n"
        )
        out.append(_("reason: "))
        out.append(e.reason)
        out.append(
            "\n"
            + _("agent: {agent}   call: {call}   customer: {customer}").format(
                agent=e.agent_name or e.agent_id or "-",
                call=e.call_id or "-",
                customer=e.customer_id or "-",
            )
            + "\n"
        )
        out.append(
            _("opened {at} by {who}   deadline {deadline} (").format(
                at=_t(e.opened_at, tz), who=e.opened_by, deadline=_t(e.deadline, tz)
            )
        )
        out.append_text(cells.deadline_cell(e.deadline, now))
        out.append(
            _(")   holder: {who}").format(who=e.holder or cells.CELL_WORDS["unclaimed"]) + "\n"
        )
        out.append("\n" + _("History") + "\n", style="bold underline")
        for ev in events:
            out.append(f"  {_t(ev.at, tz)} {ev.actor} {words.escalation_action(ev.action)}")
            if ev.from_tier is not None or ev.to_tier is not None:
                out.append(f" ({ev.from_tier or '-'} {MARKS.arrow} {ev.to_tier or '-'})")
            if ev.note:
                out.append(": ")
                out.append(ev.note)
            out.append("\n")
        self.show(out)
