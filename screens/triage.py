"""Triage keys of the flags view: acknowledge the marked flags (or every new one shown) in
one action, and send a flag to the floor manager. The work is floorapp.services.triage's;
this module asks and tells."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from floorapp.i18n import _, ngettext
from floorapp.services import triage

if TYPE_CHECKING:
    from screens.flags import FlagTable


def bulk_label(result: triage.BulkResult) -> str:
    """What one bulk acknowledge did, in a line."""
    done = ngettext("{n} flag acknowledged", "{n} flags acknowledged", len(result.done)).format(
        n=len(result.done)
    )
    if not result.refused:
        return done
    first = result.refused[0][1]
    return _("{done}; {n} refused ({why})").format(done=done, n=len(result.refused), why=first)


def acknowledge_many(app: Any, table: FlagTable) -> None:
    """Every marked flag still new, in one action (each acknowledged and audited alone)."""
    targets = [f for f in table.marked_flags() if f.status == "raised"]
    if not targets:
        app.notify(_("None of the marked flags is new."), markup=False)
        return
    ids = [f.id for f in targets]

    def done(result: triage.BulkResult) -> None:
        table.action_unmark()
        app.notify(
            bulk_label(result),
            markup=False,
            timeout=4,
            severity="warning" if result.refused else "information",
        )
        app.poll_now()

    def work() -> None:
        try:
            result = triage.acknowledge_many(
                app.ctx.engine, ids, actor=app.actor, now=app.ctx.clock.now()
            )
        except Exception as exc:  # the floor could not be written at all
            app._safe_call(
                app.notify, str(exc), title=_("Refused"), severity="error", markup=False, timeout=8
            )
            return
        app._safe_call(done, result)

    app.run_worker(work, thread=True, group="action", exit_on_error=False)


def escalate_flag(app: Any, table: FlagTable) -> None:
    f = table.selected()
    if f is None:
        app.notify(_("No open flag selected."), markup=False)
        return
    app.perform(
        _("Flag on {name} sent to the floor manager").format(name=f.agent_name),
        lambda: triage.escalate(app.ctx.engine, f.id, actor=app.actor, now=app.ctx.clock.now()),
    )


def header_counts(app: Any, now: Any) -> tuple[int, int]:
    """(flags past their acknowledge deadline, reminders waiting on the supervisor): what the
    header keeps in sight until handled. Counted each second from what the console already
    holds: the read model keeps the raised flags' deadlines sorted (a bisection, not a pass
    over every open flag)."""
    figures = getattr(app, "reader_figures", None)
    overdue = 0 if figures is None else figures.flags_overdue(now)
    panel = getattr(app, "_reminders_panel", None)
    if panel is None:
        try:
            from screens.reminders import RemindersPanel

            panel = app._reminders_panel = app.query_one(RemindersPanel)
        except Exception:  # no reminders panel (a bare test host) or closing
            return overdue, 0
    view = panel.view
    return overdue, (0 if view is None else len(view.actionable))
