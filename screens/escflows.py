"""The escalation actions: claim, assign, the next tier, resolve, notes.

A hand-off the policy refuses (the limit of hand-offs) is offered to a floor manager as an
override with a reason; any other refusal is shown as the service worded it.
"""

from __future__ import annotations

from collections.abc import Callable

from floorapp import words
from floorapp.i18n import _, ngettext
from floorapp.services import ServiceError
from floorapp.services import escalations as esc_service
from floorapp.services.escalations import TIER_NAMES, HandoffLimit
from screens.detail import EscalationDetailScreen
from screens.dialogs import ChoiceDialog, ConfirmDialog, NoteDialog
from screens.flows import ActionFlows


class EscalationFlows(ActionFlows):
    """Mixed into FloorApp: the actions on an escalation in a queue or its history."""

    def action_claim(self) -> None:
        e = self.current_escalation()
        if e is not None:
            self.perform(
                _("You hold escalation #{id}").format(id=e.id),
                lambda: esc_service.claim(
                    self.ctx.engine, e.id, actor=self.actor, now=self.ctx.clock.now()
                ),
            )

    def action_assign(self) -> None:
        e = self.current_escalation()
        if e is None:
            return

        def load() -> None:
            # Only those who may take this escalation: a refusal after choosing is too late.
            try:
                sups = esc_service.assign_candidates(
                    self.ctx.engine, e.id, actor=self.actor, now=self.ctx.clock.now()
                )
            except ServiceError as exc:
                self._safe_call(self._action_failed, "assign", exc, None)
                return
            except Exception as exc:
                self._safe_call(
                    self.notify, _("Could not list supervisors: {error}").format(error=exc)
                )
                return
            self._safe_call(show, sups)

        def show(sups: list[esc_service.SupervisorChoice]) -> None:
            if not sups:
                self.notify(
                    _("Nobody else may take escalation #{id}.").format(id=e.id), markup=False
                )
                return
            choices = [
                (s.id, f"{s.name} ({s.id}, {_(', ').join(s.teams) or words.role(s.role)})")
                for s in sups
            ]

            def chosen(to: object) -> None:
                if to is None:
                    return

                def override(reason: str) -> None:
                    self.perform(
                        _("Escalation #{id} assigned to {to} (override)").format(id=e.id, to=to),
                        lambda: esc_service.assign(
                            self.ctx.engine,
                            e.id,
                            str(to),
                            override_reason=reason,
                            settings=self.ctx.settings,
                            actor=self.actor,
                            now=self.ctx.clock.now(),
                        ),
                    )

                self.perform(
                    _("Escalation #{id} assigned to {to}").format(id=e.id, to=to),
                    lambda: esc_service.assign(
                        self.ctx.engine,
                        e.id,
                        str(to),
                        settings=self.ctx.settings,
                        actor=self.actor,
                        now=self.ctx.clock.now(),
                    ),
                    on_error=self._handoff_override(override),
                )

            self.push_screen(
                ChoiceDialog(_("Assign escalation #{id} to").format(id=e.id), choices), chosen
            )

        self.run_worker(load, thread=True, group="action", exit_on_error=False)

    def _handoff_override(self, retry: Callable[[str], None]) -> Callable[[ServiceError], bool]:
        """On a refused hand-off, a floor manager is offered the override (with a reason)."""

        def on_error(exc: ServiceError) -> bool:
            if not isinstance(exc, HandoffLimit):
                return False
            if self.actor_info is None or not self.actor_info.is_floor_manager:
                return False

            def reason_given(reason: object) -> None:
                if reason:
                    retry(str(reason))

            self.push_screen(
                NoteDialog(
                    f"{exc}\n"
                    + _("As floor manager you may override: give the reason (escape: leave it)")
                ),
                reason_given,
            )
            return True

        return on_error

    def action_next_tier(self) -> None:
        e = self.current_escalation()
        if e is None:
            return

        def hand_on(reason: str | None = None) -> Callable[[], object]:
            return lambda: esc_service.next_tier(
                self.ctx.engine,
                e.id,
                override_reason=reason,
                settings=self.ctx.settings,
                actor=self.actor,
                now=self.ctx.clock.now(),
            )

        if e.tier >= max(TIER_NAMES):
            # Nothing to confirm: the service refuses it, and a refusal is audited there.
            self.perform(_("Escalation #{id} handed on").format(id=e.id), hand_on())
            return
        target = words.tier(e.tier + 1)

        def override(reason: str) -> None:
            self.perform(
                _("Escalation #{id} handed to {target} (override)").format(id=e.id, target=target),
                hand_on(reason),
            )

        def confirmed(yes: object) -> None:
            if yes:
                self.perform(
                    _("Escalation #{id} handed to {target}").format(id=e.id, target=target),
                    hand_on(),
                    on_error=self._handoff_override(override),
                )

        so_far = ngettext("{n} hand-off so far", "{n} hand-offs so far", e.handoffs).format(
            n=e.handoffs
        )
        self.push_screen(
            ConfirmDialog(
                _("Hand escalation #{id} ({so_far}) to {target}?").format(
                    id=e.id, so_far=so_far, target=target
                )
            ),
            confirmed,
        )

    def action_resolve_escalation(self) -> None:
        e = self.current_escalation()
        if e is None:
            return

        def noted(note: object) -> None:
            if note:
                self.perform(
                    _("Escalation #{id} resolved").format(id=e.id),
                    lambda: esc_service.resolve(
                        self.ctx.engine, e.id, str(note), actor=self.actor, now=self.ctx.clock.now()
                    ),
                )

        self.push_screen(
            NoteDialog(_("Resolve escalation #{id}: what was done?").format(id=e.id)), noted
        )

    def action_escalation_note(self) -> None:
        screen = self.screen
        then: Callable[[], None] | None = None
        if isinstance(screen, EscalationDetailScreen):
            target, then = screen.esc_id, screen.reload
        else:
            e = self.current_escalation()
            if e is None:
                return
            target = e.id

        def noted(note: object) -> None:
            if note:
                self.perform(
                    _("Note added to escalation #{id}").format(id=target),
                    lambda: esc_service.add_note(
                        self.ctx.engine,
                        target,
                        str(note),
                        actor=self.actor,
                        now=self.ctx.clock.now(),
                    ),
                    then=then,
                )

        self.push_screen(NoteDialog(_("A note on escalation #{id}").format(id=target)), noted)
