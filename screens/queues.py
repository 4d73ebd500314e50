"""Escalation queues: one per tier (3 = the complaint desk) and "all", nearest deadline first."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType

from floorapp import words
from floorapp.i18n import N_, _
from floorapp.services.escalations import EscalationView
from screens import cells
from screens.actions import bindings
from screens.flags import ItemTable
from screens.table import Col


class QueueTable(ItemTable):
    COLUMNS = (
        # At 80 columns every queue keeps who (agent), who holds it, its tier and the
        # hand-offs; the reason gives way first and takes the room of a wider screen.
        Col("severity", N_("Sev"), 6),
        Col("left", N_("Time left"), 12),
        Col("reason", N_("Reason"), 18, grow=66),
        Col("agent", N_("Agent"), 8, grow=12),
        Col("holder", N_("Holder"), 10),
        Col("handoffs", N_("Hoff"), 4, priority=1),
        Col("tier", N_("Tier"), 5),
        Col("age", N_("Age"), 7, priority=4),
        Col("id", N_("#"), 5, priority=5),
    )
    TIME_COLUMNS = ("left", "age")
    SCOPE = "queue"
    BINDINGS: ClassVar[list[BindingType]] = bindings("queue")

    def __init__(self, tier: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tier = tier

    def empty_message(self) -> str:
        if not self.app_loaded():
            return ""
        if self.tier is None:
            return _("No open escalations.")
        return _("Nothing waiting for {tier}.").format(tier=words.tier(self.tier))

    def include(self, item: EscalationView) -> bool:
        return self.tier is None or item.tier == self.tier

    def order(self, e: EscalationView) -> Any:
        return (e.deadline, e.id)

    def cell(self, e: EscalationView, key: str) -> Any:
        if key == "severity":
            return cells.KeyedText(
                cells.SEVERITY_WORDS.get(e.severity, e.severity),
                e.id,
                cells.SEVERITY_STYLES.get(e.severity, ""),
            )
        if key == "left":
            return cells.deadline_cell(e.deadline, self.now) if self.now else Text("")
        if key == "reason":
            return cells.plain(e.reason.replace("\n", " "))
        if key == "agent":
            return cells.plain(e.agent_name or e.agent_id or "")
        if key == "holder":
            return (
                cells.plain(e.holder)
                if e.holder
                else Text(cells.CELL_WORDS["unclaimed"], style="italic")
            )
        if key == "handoffs":
            return cells.number(e.handoffs, warn_at=3)
        if key == "tier":
            return Text(words.tier_short(e.tier))
        if key == "age":
            return Text(cells.since(e.opened_at, self.now) if self.now else "", justify="right")
        if key == "id":
            return Text(str(e.id), style="dim")
        raise KeyError(key)
