"""The distress rules over the live feed: a ``FeedObserver`` with O(1) work per event.

Everything a rule needs lives in memory, per agent and per open call, in bounded
structures (a deque of the last complaint times, of the last calls' sentiment).
Time-based rules (long call, no break, after-call overrun, the end of a complaint
streak) are entries in one min-heap of due times; they are checked before each
event (so the result does not depend on how the feed is cut into batches) and at
``tick``. Decisions go to an ``Outbox`` that ``flush`` writes in the batch's
transaction. ``start`` rebuilds the memory from the store so a restart resumes
without firing twice for what was already flagged.

One module past 400 lines on purpose: the rules share one memory and one heap of due times
per event; their definitions, memory shapes and resume live beside it (definitions.py,
tracks.py, resume.py).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from db.models import Agent, SensitiveCustomer
from floorapp.clock import SYSTEM_CLOCK, Clock
from floorapp.config import Settings
from floorapp.feed.events import EventKind, FeedEvent
from floorapp.feed.states import step
from floorapp.i18n import N_, message, minutes, render, stored
from floorapp.rules.definitions import RuleSet, load_rules
from floorapp.rules.outbox import Outbox, PendingCare, PendingEscalation
from floorapp.rules.resume import resume
from floorapp.rules.sensitive_check import available_names, is_sensitive
from floorapp.rules.tracks import (
    _LONG,
    _NO_BREAK,
    _OVERRUN,
    _STREAK_END,
    AFTER_CALL,
    AVAILABLE,
    BREAK,
    OFFLINE,
    STALE_CALL,
    AgentTrack,
    CallTrack,
)
from floorapp.text import clean

PLAN_CHECK_EVERY = timedelta(minutes=1)


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


class RulesEngine:
    """The distress rules, as a ``FeedObserver`` for ``FeedWriter``."""

    def __init__(self, settings: Settings, rules: RuleSet, clock: Clock = SYSTEM_CLOCK) -> None:
        self.settings = settings
        self.clock = clock
        self._agents: dict[str, AgentTrack] = {}
        self._use(rules)
        # The plan in force can make a rule stricter while its guarantee period runs
        # (an executable requirement); looked up once a minute of feed time.
        self._plan_overrides: dict[str, dict[str, float]] = {}
        self._plan_checked: datetime | None = None
        self._feed_now: datetime | None = None
        self._calls: dict[str, CallTrack] = {}
        self._designated: dict[str, str] = {}  # agent id -> name
        self._sensitive: frozenset[str] = frozenset()
        self._heap: list[tuple[datetime, int, int, str, Any]] = []
        self._seq = 0
        self._last_sweep: datetime | None = None
        self.outbox = Outbox()
        self._dispatch: dict[str, Callable[[FeedEvent], None]] = {
            EventKind.AGENT_LOGIN: self._on_agent,
            EventKind.AGENT_LOGOUT: self._on_agent,
            EventKind.STATE: self._on_agent,
            EventKind.CALL_RING_NO_ANSWER: self._on_agent,
            EventKind.CALL_OFFERED: self._on_offered,
            EventKind.CALL_ANSWERED: self._on_answered,
            EventKind.CALL_UPDATE: self._on_update,
            EventKind.CALL_ENDED: self._on_ended,
            EventKind.CALL_TRANSFERRED: self._on_ended,
            EventKind.CALL_ABANDONED: self._on_ended,
            EventKind.RAISE_HAND: self._on_raise_hand,
            EventKind.OBSERVATION: self._on_observation,
        }

    def _use(self, rules: RuleSet) -> None:
        """Adopt thresholds; they apply to what is judged or scheduled from now on."""
        self.rules = r = rules
        self._on = {c.name: c.enabled for c in r}
        self._sev = {c.name: c.severity for c in r}
        self._long = _minutes(r["long_call"]["threshold"])
        self._complaints_n = int(r["complaint_streak"]["threshold"])
        self._complaint_window = _minutes(r["complaint_streak"]["window"])
        self._hostile_n = int(r["hostile_streak"]["threshold"])
        self._hostile_last = int(r["hostile_streak"]["last_calls"])
        self._refused_n = int(r["refused_explanations"]["threshold"])
        self._overrun = _minutes(r["after_call_overrun"]["threshold"])
        self._no_break = _minutes(r["no_break"]["threshold"])
        for tr in self._agents.values():
            if tr.complaints.maxlen != self._complaints_n:
                tr.complaints = deque(tr.complaints, maxlen=self._complaints_n)
            if tr.recent.maxlen != self._hostile_last:
                tr.recent = deque(tr.recent, maxlen=self._hostile_last)

    def _follow_plan(self, conn: Connection) -> None:
        now = self._feed_now
        if now is None or (
            self._plan_checked is not None and abs(now - self._plan_checked) < PLAN_CHECK_EVERY
        ):
            return
        self._plan_checked = now
        from floorapp.rules.plan_triggers import merged_overrides, plan_overrides

        overrides = plan_overrides(conn, now)
        if overrides != self._plan_overrides:
            self._plan_overrides = overrides
            self._use(load_rules(merged_overrides(self.settings.rules, overrides)))

    # --- FeedObserver -------------------------------------------------------------

    def start(self, conn: Connection) -> None:
        """(Re)build from the store; the writer calls it again after a rolled-back batch."""
        self._agents = {}
        self._calls = {}
        self._heap = []
        self.outbox = Outbox()
        resume(self, conn)

    def observe(self, ev: FeedEvent) -> None:
        heap = self._heap
        if heap and heap[0][0] <= ev.ts:
            # A feed ahead of this host's clock: what comes due after "now" waits for it.
            self._run_due(min(ev.ts, self.clock.now()))
        handler = self._dispatch.get(ev.kind)
        if handler is not None:
            handler(ev)

    def tick(self, now: datetime) -> None:
        self._feed_now = now
        if self._heap and self._heap[0][0] <= now:
            self._run_due(min(now, self.clock.now()))
        if self._last_sweep is None or now - self._last_sweep > timedelta(hours=1):
            self._last_sweep = now
            self._sweep_calls(now)

    def flush(self, conn: Connection) -> None:
        if self.outbox:
            self.outbox.write(conn, self.settings)
        self.refresh_lists(conn)
        self._follow_plan(conn)

    # --- what the rules read from the store -------------------------------------

    def refresh_lists(self, conn: Connection) -> None:
        """Designated agents and sensitive customers change through the roster commands."""
        self._sensitive = frozenset(conn.execute(select(SensitiveCustomer.customer_id)).scalars())
        designated = {
            aid: name
            for aid, name in conn.execute(
                select(Agent.id, Agent.name).where(Agent.sensitive_designated.is_(True))
            )
        }
        for agent_id, tr in self._agents.items():
            tr.designated = agent_id in designated
        self._designated = designated

    def agent(self, agent_id: str) -> AgentTrack:
        tr = self._agents.get(agent_id)
        if tr is None:
            tr = self._agents[agent_id] = AgentTrack(
                agent_id, agent_id, self._complaints_n, self._hostile_last
            )
            tr.designated = agent_id in self._designated
        return tr

    def call(self, call_id: str, ts: datetime) -> CallTrack:
        c = self._calls.get(call_id)
        if c is None:
            c = self._calls[call_id] = CallTrack(call_id, ts)
        return c

    # --- firing ------------------------------------------------------------------

    def _fire(
        self,
        tr: AgentTrack,
        kind: str,
        at: datetime,
        detail: str,
        call_id: str | None = None,
        token: Any = None,
        raised_by: str = "rule",
    ) -> None:
        if not self._on[kind]:
            return
        tr.flagged[kind] = token
        now = self.clock.now()
        if at > now:
            at = now  # an event stamped ahead of this host: never a flag "at" the future
        self.outbox.fire(tr.id, kind, self._sev[kind], at, detail, call_id, raised_by)

    def _end(
        self, tr: AgentTrack, kind: str, at: datetime, token: Any = None, detail: str | None = None
    ) -> None:
        """The condition behind an open flag ended; the flag stays open for a human."""
        if kind in tr.flagged and (token is None or tr.flagged[kind] == token):
            del tr.flagged[kind]
            self.outbox.end(tr.id, kind, at, detail)

    def _schedule(self, due: datetime, what: int, agent_id: str, token: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, what, agent_id, token))

    def _run_due(self, now: datetime) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, what, agent_id, token = heapq.heappop(heap)
            tr = self._agents.get(agent_id)
            if tr is None:
                continue
            if what == _LONG:
                c = self._calls.get(token)
                if c is not None and c.agent == agent_id and not c.long_fired:
                    c.long_fired = True
                    self._fire(
                        tr,
                        "long_call",
                        due,
                        stored(
                            message(
                                N_("on one call for over {duration} (call {call})"),
                                duration=_min(self._long),
                                call=token,
                            )
                        ),
                        call_id=token,
                        token=token,
                    )
            elif what == _NO_BREAK:
                if (
                    tr.work_start() == token
                    and tr.state not in (BREAK, OFFLINE)
                    and tr.flagged.get("no_break") != token
                ):
                    self._fire(
                        tr,
                        "no_break",
                        due,
                        stored(
                            message(
                                N_("logged in without a break for {duration}"),
                                duration=_min(due - token),
                            )
                        ),
                        token=token,
                    )
            elif what == _OVERRUN:
                if (
                    tr.state == AFTER_CALL
                    and tr.since == token
                    and tr.flagged.get("after_call_overrun") != token
                ):
                    self._fire(
                        tr,
                        "after_call_overrun",
                        due,
                        stored(
                            message(
                                N_(
                                    "after-call work over {duration} right "
                                    "after a hard call ({call})"
                                ),
                                duration=_min(self._overrun),
                                call=tr.last_hard_call,
                            )
                        ),
                        call_id=tr.last_hard_call,
                        token=token,
                    )
            elif what == _STREAK_END:
                if tr.complaints and tr.complaints[0] == token:
                    self._end(tr, "complaint_streak", due)

    def _sweep_calls(self, now: datetime) -> None:
        cutoff = now - STALE_CALL
        for cid in [cid for cid, c in self._calls.items() if (c.answered or c.offered) < cutoff]:
            del self._calls[cid]

    # --- agent state: the shared machine (floorapp/feed/states.py), then the rules ---------

    def _step(self, tr: AgentTrack, ev: FeedEvent, call: str | None) -> None:
        for t in step(tr, ev.kind, ev.data, call, ev.ts):
            if not t.late:
                self._entered(tr, t.old, t.state, t.at)

    def _entered(self, tr: AgentTrack, old: str, new: str, ts: datetime) -> None:
        """What a change of state does to the time-based rules (``tr`` is already changed)."""
        if new == old:
            return  # another reason for the same state: the stretch goes on
        if old == AFTER_CALL:
            self._end(tr, "after_call_overrun", ts)
        if new == OFFLINE or new == BREAK:
            self._end(tr, "no_break", ts)
        elif old in (BREAK, OFFLINE):
            self._schedule(ts + self._no_break, _NO_BREAK, tr.id, tr.work_start())
        if new == AFTER_CALL and tr.last_hard:
            self._schedule(ts + self._overrun, _OVERRUN, tr.id, ts)

    def _on_agent(self, ev: FeedEvent) -> None:
        """Login, logout, a state line, a ring: the machine alone decides."""
        if ev.agent is not None:
            self._step(self.agent(ev.agent), ev, ev.call)

    # --- calls ----------------------------------------------------------------------------

    def _merge(self, c: CallTrack, data: dict[str, Any]) -> None:
        if not data:
            return
        v = data.get("customer")
        if v:
            c.customer = str(v)
        if data.get("sensitive_customer"):
            c.sensitive = True
        if data.get("complaint"):
            c.complaint = True
        if data.get("negative_sentiment"):
            c.negative = True
        v = data.get("refused_explanations")
        if v and isinstance(v, int) and v > c.refused:
            c.refused = v

    def _on_offered(self, ev: FeedEvent) -> None:
        if ev.call is not None:
            self._merge(self.call(ev.call, ev.ts), ev.data)

    def _on_answered(self, ev: FeedEvent) -> None:
        if ev.call is None or ev.agent is None:
            return
        c = self.call(ev.call, ev.ts)
        self._merge(c, ev.data)
        tr = self.agent(ev.agent)
        c.agent = c.last_agent = tr.id
        c.answered = ev.ts
        self._step(tr, ev, c.id)
        self._schedule(ev.ts + self._long, _LONG, tr.id, c.id)
        self._after_merge(c, tr, ev.ts)

    def _on_update(self, ev: FeedEvent) -> None:
        if ev.call is None:
            return
        c = self.call(ev.call, ev.ts)
        self._merge(c, ev.data)
        if ev.agent is not None:
            c.last_agent = ev.agent
        if c.agent is not None:
            self._after_merge(c, self.agent(c.agent), ev.ts)

    def _after_merge(self, c: CallTrack, tr: AgentTrack, ts: datetime) -> None:
        if c.refused >= self._refused_n and not c.refused_fired:
            c.refused_fired = True
            self._refused(c, tr, ts)
        if c.complaint and not c.complaint_counted:
            c.complaint_counted = True
            self._complaint(tr, ts, c.id)
        if not c.sens_done and is_sensitive(c.customer, c.sensitive, self._sensitive):
            c.sens_done = True
            if not tr.designated:
                self._sensitive_on_undesignated(c, tr, ts)

    def _on_ended(self, ev: FeedEvent) -> None:
        """Ended, transferred or abandoned: judge the call, then the agent's next state."""
        if ev.call is None:
            return
        c = self._calls.pop(ev.call, None)
        if c is None:
            c = CallTrack(ev.call, ev.ts)
        self._merge(c, ev.data)
        agent_id = ev.agent or c.last_agent
        if agent_id is None:
            return  # never reached an agent
        tr = self.agent(agent_id)
        if c.answered is not None and c.agent == agent_id:
            self._judge_call(c, tr, ev.ts)
        self._step(tr, ev, c.id)

    def _judge_call(self, c: CallTrack, tr: AgentTrack, ts: datetime) -> None:
        self._after_merge(c, tr, ts)
        answered = c.answered
        assert answered is not None  # judged only once answered
        length = ts - answered
        if length >= self._long and self._on["long_call"]:
            if not c.long_fired:  # ended before a tick saw it running
                c.long_fired = True
                self._fire(
                    tr,
                    "long_call",
                    answered + self._long,
                    stored(
                        message(
                            N_("on one call for over {duration} (call {call})"),
                            duration=_min(self._long),
                            call=c.id,
                        )
                    ),
                    call_id=c.id,
                    token=c.id,
                )
            note = stored(
                message(
                    N_(
                        "the call lasted {duration}; proposed care: bring {agent} "
                        "a glass of water (call {call})"
                    ),
                    duration=_min(length),
                    agent=tr.name,
                    call=c.id,
                )
            )
            self._end(tr, "long_call", ts, token=c.id, detail=note)
            self.outbox.care.append(
                PendingCare(
                    ts,
                    f"long_call:{c.id}",
                    tr.id,
                    c.id,
                    "bring_water",
                    render(note, english=True) or "",
                    timedelta(minutes=5),
                )
            )
        self._end(tr, "refused_explanations", ts, token=c.id)
        self._end(tr, "sensitive_customer", ts, token=c.id)
        if c.hand:
            self._end(tr, "raised_hand", ts, token=c.id)
        recent = tr.recent
        recent.append(c.negative)
        negatives = sum(recent)
        if c.negative and negatives >= self._hostile_n:
            self._fire(
                tr,
                "hostile_streak",
                ts,
                stored(
                    message(
                        N_("{n} of the last {total} calls negative (latest {call})"),
                        n=negatives,
                        total=len(recent),
                        call=c.id,
                    )
                ),
                call_id=c.id,
            )
        elif negatives < self._hostile_n:
            self._end(tr, "hostile_streak", ts)
        tr.last_hard = c.complaint or c.negative
        tr.last_hard_call = c.id if tr.last_hard else None

    # --- the rules that act on one event ------------------------------------------

    def _refused(self, c: CallTrack, tr: AgentTrack, ts: datetime) -> None:
        if not self._on["refused_explanations"]:
            return
        # What a supervisor reads first; the ids they may need to look up come last.
        reason = stored(
            message(
                N_(
                    "the customer refused {n} explanations (agent {agent}): "
                    "reported to the team leader ({ids})"
                ),
                n=c.refused,
                agent=tr.name,
                ids=_ids(c),
            )
        )
        self._fire(tr, "refused_explanations", ts, reason, call_id=c.id, token=c.id)
        # Stored as the flag's text is: worded when read, in each reader's language.
        self.outbox.escalations.append(
            PendingEscalation(
                ts,
                "refused_explanations",
                reason,
                self._sev["refused_explanations"],
                tr.id,
                c.id,
                c.customer,
            )
        )

    def _complaint(self, tr: AgentTrack, ts: datetime, call_id: str) -> None:
        q = tr.complaints
        q.append(ts)
        if len(q) >= self._complaints_n and ts - q[0] <= self._complaint_window:
            self._fire(
                tr,
                "complaint_streak",
                ts,
                stored(
                    message(
                        N_("{n} complaint calls within {duration} (latest {call})"),
                        n=len(q),
                        duration=_min(ts - q[0]),
                        call=call_id,
                    )
                ),
                call_id=call_id,
            )
            self._schedule(q[0] + self._complaint_window, _STREAK_END, tr.id, q[0])

    def _sensitive_on_undesignated(self, c: CallTrack, tr: AgentTrack, ts: datetime) -> None:
        if not self._on["sensitive_customer"]:
            return
        available = [
            name
            for aid, name in self._designated.items()
            if aid != tr.id and (t := self._agents.get(aid)) is not None and t.state == AVAILABLE
        ]
        self._fire(
            tr,
            "sensitive_customer",
            ts,
            stored(
                message(
                    N_("a sensitive customer reached an undesignated agent; {available} ({ids})"),
                    available=available_names(available),
                    ids=_ids(c),
                )
            ),
            call_id=c.id,
            token=c.id,
        )

    def _on_raise_hand(self, ev: FeedEvent) -> None:
        if ev.agent is None:
            return
        tr = self.agent(ev.agent)
        said = clean(str(ev.data.get("note") or ""))
        note: Any = said or message(N_("asked for help"))
        c = self._calls.get(tr.call) if tr.call else None
        if c is not None:
            c.hand = True
            note = message(N_("{note} (on call {call})"), note=note, call=c.id)
        self._fire(tr, "raised_hand", ev.ts, stored(note), call_id=tr.call, token=tr.call)

    def _on_observation(self, ev: FeedEvent) -> None:
        if ev.agent is None:
            return
        by = clean(str(ev.data.get("supervisor") or "")) or "feed"
        text = clean(str(ev.data.get("text") or ""))
        # A supervisor's own words are stored as written; none: the rule's word.
        self._fire(
            self.agent(ev.agent),
            "observed",
            ev.ts,
            text or stored(message(N_("observed"))),
            raised_by=by,
        )


def _min(d: timedelta) -> dict[str, int]:
    return minutes(d.total_seconds() // 60)


def _ids(c: CallTrack) -> list[Any]:
    """What a supervisor may need to look up, last in the sentence."""
    if c.customer:
        return message(N_("customer {customer}, call {call}"), customer=c.customer, call=c.id)
    return message(N_("call {call}"), call=c.id)


def build_observer(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> RulesEngine:
    """The rules in force for ``settings`` (raises ConfigError on a bad ``[rules.*]``)."""
    return RulesEngine(settings, load_rules(settings.rules), clock)


__all__ = ["AgentTrack", "CallTrack", "RulesEngine", "build_observer"]
