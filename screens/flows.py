"""What the console's keys do: each action's dialogs, run as a service call off the UI
thread (``perform``), on the row or screen it was asked from.

An action finds its own target: the row selected in the active view, or the agent or
escalation a detail screen shows (then the screen is read again once the action is done).
A refusal from the services is shown as the service worded it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App

from floorapp import pinyin, words
from floorapp.context import AppContext
from floorapp.i18n import _, ngettext
from floorapp.identity import Actor
from floorapp.services import ServiceError
from floorapp.services import escalations as esc_service
from floorapp.services import flags as flag_service
from floorapp.services.escalations import EscalationView
from floorapp.services.flags import INTERVENTIONS, FlagView
from screens.board import AgentBoard
from screens.cells import STATE_WORDS
from screens.detail import AgentDetailScreen, EscalationDetailScreen
from screens.dialogs import ChoiceDialog, ChoiceNoteDialog, NoteDialog
from screens.flags import FlagTable
from screens.queues import QueueTable

log = logging.getLogger(__name__)

QUEUE_VIEWS = ("tier1", "tier2", "tier3", "all")


class ActionFlows(App[None]):
    """Mixed into FloorApp: the actions on agents, flags and escalations."""

    ctx: AppContext
    actor: str
    actor_info: Actor | None
    if TYPE_CHECKING:  # FloorApp's own (screens/app.py, screens/refresh.py)

        @property
        def board(self) -> AgentBoard: ...
        @property
        def flag_table(self) -> FlagTable: ...
        @property
        def active_view(self) -> str: ...
        def queue(self, view: str) -> QueueTable: ...
        def action_view(self, view: str) -> None: ...
        def poll_now(self) -> None: ...
        def _safe_call(self, fn: Callable[..., Any], *args: Any) -> None: ...

    # --- running actions off the UI thread ----------------------------------------------

    def perform(
        self,
        label: str,
        fn: Callable[[], Any],
        *,
        then: Callable[[], None] | None = None,
        on_error: Callable[[ServiceError], bool] | None = None,
    ) -> None:
        """Run a service call in a thread; tell the supervisor how it went; refresh."""

        def job() -> None:
            try:
                fn()
            except ServiceError as exc:
                self._safe_call(self._action_failed, label, exc, on_error)
                return
            except Exception as exc:
                log.exception("%s failed", label)
                self._safe_call(self._action_failed, label, ServiceError(str(exc)), None)
                return
            self._safe_call(self._action_done, label, then)

        self.run_worker(job, thread=True, group="action", exit_on_error=False)

    def _action_done(self, label: str, then: Callable[[], None] | None) -> None:
        self.notify(label, timeout=3, markup=False)
        self.poll_now()
        if then is not None:
            then()

    def _action_failed(
        self, label: str, exc: ServiceError, on_error: Callable[[ServiceError], bool] | None
    ) -> None:
        if on_error is not None and on_error(exc):
            return
        self.notify(str(exc), title=_("Refused"), severity="error", markup=False, timeout=8)

    # --- targets --------------------------------------------------------------------------

    def current_agent_id(self) -> str | None:
        view = self.active_view
        if view == "board":
            a = self.board.selected()
            return a.id if a else None
        if view == "flags":
            f = self.flag_table.selected()
            return f.agent_id if f else None
        if view in QUEUE_VIEWS:
            e = self.queue(view).selected()
            return e.agent_id if e else None
        return None

    def current_flag(self) -> FlagView | None:
        if self.active_view != "flags":
            self.action_view("flags")
            self.notify(
                _("Pick a flag in the flags view, then press the key again."),
                markup=False,
                timeout=4,
            )
            return None
        f = self.flag_table.selected()
        if f is None:
            self.notify(_("No open flag selected."), markup=False)
        return f

    def current_escalation(self) -> EscalationView | None:
        view = self.active_view
        if view not in QUEUE_VIEWS:
            self.action_view("all")
            self.notify(
                _("Pick an escalation in a queue, then press the key again."),
                markup=False,
                timeout=4,
            )
            return None
        e = self.queue(view).selected()
        if e is None:
            self.notify(_("No escalation selected."), markup=False)
        return e

    def agent_target(self) -> tuple[str | None, Callable[[], None] | None]:
        """The agent an agent action is for, and what to read again once it is done."""
        screen = self.screen
        if isinstance(screen, AgentDetailScreen):
            return screen.agent_id, screen.reload
        return self.current_agent_id(), None

    def agent_name(self, agent_id: str) -> str:
        a = self.board.model.get(agent_id)
        return a.name if a else agent_id

    # --- agents and the board's filters ---------------------------------------------------

    def action_agent_detail(self, agent_id: str | None = None) -> None:
        agent_id = agent_id or self.current_agent_id()
        if agent_id is None:
            self.notify(_("No agent selected."), markup=False)
            return
        self.push_screen(AgentDetailScreen(agent_id))

    def action_escalation_detail(self, esc_id: int | None = None) -> None:
        if esc_id is None:
            e = self.current_escalation()
            if e is None:
                return
            esc_id = e.id
        self.push_screen(EscalationDetailScreen(esc_id))

    def action_team_filter(self) -> None:
        teams = sorted(
            {(a.team_id, a.team_name) for a in self.board.model.values()},
            key=lambda t: (pinyin.sort_key(t[1]), t[1], t[0]),  # names in pinyin order
        )
        choices = [("*", _("all teams")), *[(tid, f"{name} ({tid})") for tid, name in teams]]
        self.action_view("board")

        def chosen(value: object) -> None:
            if value is not None:
                self.board.set_filters(team=None if value == "*" else str(value))

        self.push_screen(ChoiceDialog(_("Show which team?"), choices), chosen)

    def action_state_filter(self) -> None:
        choices = [("*", _("all states")), *[(str(s), w) for s, w in STATE_WORDS.items()]]
        self.action_view("board")

        def chosen(value: object) -> None:
            if value is not None:
                self.board.set_filters(state=None if value == "*" else str(value))

        self.push_screen(ChoiceDialog(_("Show which state?"), choices), chosen)

    def action_search(self) -> None:
        self.action_view("board")

        def chosen(value: object) -> None:
            if value is not None:
                self.board.set_filters(search=str(value))

        self.push_screen(
            NoteDialog(
                _("Search agents by name, pinyin or id (empty: show all)"),
                placeholder=_("e.g. hcy, huchunyan, 胡"),
                required=False,
                value=self.board.search or "",
                hint=_("enter: find   escape: cancel"),
            ),
            chosen,
        )

    def action_agent_request(self) -> None:
        from floorapp.services import requests as request_service
        from screens.requests import category_choices

        agent_id = self.current_agent_id()
        if agent_id is None:
            self.notify(_("No agent selected."), markup=False)
            return
        name = self.agent_name(agent_id)

        def done(result: object) -> None:
            if isinstance(result, tuple) and result[1]:
                self.perform(
                    _("Request recorded for {name}").format(name=name),
                    lambda: request_service.record(
                        self.ctx.engine,
                        agent_id,
                        str(result[0]),
                        str(result[1]),
                        settings=self.ctx.settings,
                        actor=self.actor,
                        now=self.ctx.clock.now(),
                    ),
                )

        self.push_screen(
            ChoiceNoteDialog(
                _("What did {name} ask for?").format(name=name),
                category_choices(),
                choosing=_("about"),
                placeholder=_("what the agent asked"),
            ),
            done,
        )

    # --- agent actions --------------------------------------------------------------------

    def action_raise_flag(self) -> None:
        agent_id, then = self.agent_target()
        if agent_id is None:
            self.notify(_("No agent selected."), markup=False)
            return

        def noted(answer: object) -> None:
            if not isinstance(answer, tuple):
                return
            severity, text = str(answer[0]), str(answer[1])
            self.perform(
                _("Flag raised on {name} ({severity})").format(
                    name=self.agent_name(agent_id), severity=words.severity(severity)
                ),
                lambda: flag_service.raise_observed(
                    self.ctx.engine,
                    agent_id,
                    text,
                    severity=severity,
                    actor=self.actor,
                    now=self.ctx.clock.now(),
                ),
                then=then,
            )

        # Medium stays the default (Enter alone raises it, as before); up and down choose.
        self.push_screen(
            ChoiceNoteDialog(
                _("Raise a flag on {name}: what did you observe?").format(
                    name=self.agent_name(agent_id)
                ),
                [
                    ("light", _("light: worth watching")),
                    ("medium", _("medium: needs a word soon")),
                    ("high", _("high: step in now")),
                ],
                choosing=_("severity"),
                default=1,
                placeholder=_("observed agitated: raised voice, hit the desk"),
            ),
            noted,
        )

    def action_escalate(self) -> None:
        agent_id, then = self.agent_target()
        if agent_id is None:
            self.notify(_("No agent selected."), markup=False)
            return
        name = self.agent_name(agent_id)
        row = self.board.model.get(agent_id)
        on_call = row is not None and row.call_started is not None
        what = (_("{name}'s call") if on_call else _("{name} (no call in progress)")).format(
            name=name
        )

        def minutes(severity: str, tier: int = 1) -> str:
            n = int(self.ctx.settings.deadline(tier, severity).total_seconds() // 60)
            return ngettext("{n} min", "{n} min", n).format(n=n)

        def severity_chosen(severity: object) -> None:
            if severity is None:
                return
            sev = str(severity)

            def given(answer: object) -> None:
                if not isinstance(answer, tuple):
                    return
                tier, reason = int(answer[0]), str(answer[1])
                self.perform(
                    _("Escalation opened for {name} ({tier})").format(
                        name=name, tier=words.tier(tier)
                    ),
                    lambda: esc_service.open_by_hand(
                        self.ctx.engine,
                        agent_id,
                        reason,
                        tier=tier,
                        severity=sev,
                        settings=self.ctx.settings,
                        actor=self.actor,
                        now=self.ctx.clock.now(),
                    ),
                    then=then,
                )

            # Tier 1 stays the default (Enter alone opens there, as before): most cases
            # start at the bottom of the funnel, and a supervisor skips it only on purpose.
            self.push_screen(
                ChoiceNoteDialog(
                    _("Escalate {what} ({severity}): the reason, and which tier takes it").format(
                        what=what, severity=words.severity(sev)
                    ),
                    [
                        ("1", _("tier 1: basic service (deadline {m})").format(m=minutes(sev, 1))),
                        ("2", _("tier 2: specialists (deadline {m})").format(m=minutes(sev, 2))),
                        (
                            "3",
                            _("tier 3: complaint desk, the last line (deadline {m})").format(
                                m=minutes(sev, 3)
                            ),
                        ),
                    ],
                    choosing=_("tier"),
                ),
                given,
            )

        self.push_screen(
            ChoiceDialog(
                _("Open an escalation for {what}: how severe?").format(what=what),
                [
                    (
                        "light",
                        _("light: routine, no dispute (tier 1 deadline {m})").format(
                            m=minutes("light")
                        ),
                    ),
                    (
                        "medium",
                        _("medium: disputed, hard, long (tier 1 deadline {m})").format(
                            m=minutes("medium")
                        ),
                    ),
                    (
                        "high",
                        _("high: a risk case (tier 1 deadline {m})").format(m=minutes("high")),
                    ),
                ],
            ),
            severity_chosen,
        )

    # --- flag actions -----------------------------------------------------------------------

    def action_acknowledge_flag(self) -> None:
        f = self.current_flag()
        if f is not None:
            self.perform(
                _("Flag on {name} acknowledged").format(name=f.agent_name),
                lambda: flag_service.acknowledge(
                    self.ctx.engine, f.id, actor=self.actor, now=self.ctx.clock.now()
                ),
            )

    def action_step_in(self) -> None:
        f = self.current_flag()
        if f is None:
            return

        def chosen(intervention: object) -> None:
            if intervention is None:
                return

            def noted(note: object) -> None:
                if note is None:
                    return
                self.perform(
                    _("Stepped in on {name}: {how}").format(
                        name=f.agent_name, how=words.intervention(str(intervention))
                    ),
                    lambda: flag_service.step_in(
                        self.ctx.engine,
                        f.id,
                        str(intervention),
                        str(note) or None,
                        actor=self.actor,
                        now=self.ctx.clock.now(),
                    ),
                )

            self.push_screen(
                NoteDialog(_("A note on stepping in (optional)"), required=False), noted
            )

        self.push_screen(
            ChoiceDialog(
                _("Step in with {name}: how?").format(name=f.agent_name),
                [(code, words.intervention(code)) for code in INTERVENTIONS],
            ),
            chosen,
        )

    def action_resolve_flag(self) -> None:
        f = self.current_flag()
        if f is None:
            return

        def noted(note: object) -> None:
            if note:
                self.perform(
                    _("Flag on {name} resolved").format(name=f.agent_name),
                    lambda: flag_service.resolve(
                        self.ctx.engine, f.id, str(note), actor=self.actor, now=self.ctx.clock.now()
                    ),
                )

        self.push_screen(
            NoteDialog(_("Resolve the flag on {name}: what was done?").format(name=f.agent_name)),
            noted,
        )
