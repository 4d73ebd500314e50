"""The simulated floor's queue model: a discrete-event model of the ACD and the agents.

One heap of timed actions (a customer calls, a call ends, after-call work ends, a break
starts...) run in time order, each emitting feed events as JSONL-shaped dicts (the schema
of docs/events.md). A caller waits only while no agent who may take them is free: each
arrival and each agent coming free routes the queue at once, and the chosen agent's phone
rings a few seconds before the call connects.
"""

from __future__ import annotations

import heapq
import math
import random
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from floorapp.simulate.floor import (
    ACW_MEDIAN_S,
    ACW_SIGMA,
    BREAK_REASONS,
    ESCALATION_REASONS,
    FLOOR_OVERFLOW_S,
    HAND_NOTES,
    HARD_ACW_MEDIAN_S,
    OBSERVATIONS,
    P_COMPLAINT,
    P_ESCALATION,
    P_NEGATIVE,
    P_REFUSING,
    P_REPEAT_CALLER,
    P_SENSITIVE,
    P_TRANSFER,
    PATIENCE_MEAN_S,
    SENSITIVE_OVERFLOW_S,
    STAFFED_RECOUNT_S,
    TALK_MEDIAN_S,
    TALK_SIGMA,
    VOLATILITY,
    Action,
    LiveAgent,
    LiveCall,
    SimRoster,
    arrival_rate,
    second_after,
    target_occupancy,
)


class QueueModel:
    """The floor running on its own: arrivals, the ACD, calls, breaks, shift changes.

    ``FloorSimulator`` starts it mid-shift; on its own it starts an empty floor.
    """

    def __init__(
        self, roster: SimRoster, *, seed: int, start: datetime, zone: tzinfo | None = None
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        if not roster.agents:
            raise ValueError("the roster has no agents to simulate")
        self.roster = roster
        self.seed = seed
        self.rng = random.Random(seed)
        self.start = start.astimezone(UTC).replace(microsecond=0)
        self.now = self.start
        self.run_tag = f"sim{seed}-{self.start:%Y%m%d%H%M%S}"
        self._seq = 0
        self._calls_n = 0
        self._heap: list[tuple[datetime, int, Action]] = []
        self._out: list[dict[str, Any]] = []
        # The floor's time zone, for the time of day arrivals follow (the runner sets the
        # store's when none is given; UTC for a bare generator).
        self.zone = zone
        self._agents = {
            a.id: LiveAgent(a, volatile=self.rng.choice(VOLATILITY)) for a in roster.agents
        }
        self._waiting: list[LiveCall] = []
        self._teams = sorted({a.team for a in roster.agents})
        # A caller's queue is the team of a random agent: a team's calls match its size.
        self._caller_teams = [a.team for a in sorted(roster.agents, key=lambda a: a.id)]
        # Agents who may be free, by team: the ACD looks at these, not at the whole floor.
        self._idle: dict[str, set[LiveAgent]] = {t: set() for t in self._teams}
        self._next_call = self.start  # the exact time the next caller rings
        self._staffed = 0
        self._staffed_at: datetime | None = None
        self._customers_seen: list[str] = []
        self.scripted: dict[str, str] = {}  # situation -> agent id (for tests and the log)

    # --- the public face --------------------------------------------------------

    def advance(self, until: datetime) -> list[dict[str, Any]]:
        """Every event up to and including ``until``, in time order."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            at, _, action = heapq.heappop(heap)
            self.now = max(self.now, at)
            action(at)
        if until > self.now:
            self.now = until
        out, self._out = self._out, []
        out.sort(key=lambda e: e["ts"])  # stable: same-second events keep their order
        for e in out:
            e["ts"] = e["ts"].isoformat()
        return out

    # --- plumbing -----------------------------------------------------------------

    def _at(self, when: datetime, action: Action) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when.replace(microsecond=0), self._seq, action))

    def _emit(self, ts: datetime, type_: str, **fields: Any) -> None:
        self._seq += 1
        ev: dict[str, Any] = {
            "id": f"{self.run_tag}-{self._seq:07d}",
            "type": type_,
            "ts": ts.replace(microsecond=0),
        }
        ev.update({k: v for k, v in fields.items() if v is not None})
        self._out.append(ev)

    def _s(self, seconds: float) -> timedelta:
        return timedelta(seconds=round(seconds))

    def _lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.rng.gauss(0.0, sigma))

    def _new_call(
        self, ts: datetime, team: str, *, sensitive: bool | None = None, customer: str | None = None
    ) -> LiveCall:
        self._calls_n += 1
        rng = self.rng
        if sensitive is None:
            sensitive = bool(self.roster.sensitive_customers) and rng.random() < P_SENSITIVE
        if customer is None:
            if sensitive:
                customer = rng.choice(self.roster.sensitive_customers)
            elif self._customers_seen and rng.random() < P_REPEAT_CALLER:
                customer = rng.choice(self._customers_seen[-200:])
            else:
                customer = f"C{rng.randrange(10**7, 10**8)}"
                self._customers_seen.append(customer)
        return LiveCall(
            id=f"{self.run_tag}-c{self._calls_n:05d}",
            queue=team,
            team=team,
            customer=customer,
            offered=ts,
            sensitive=sensitive,
        )

    # --- agent state ------------------------------------------------------------------

    def _set(
        self, ag: LiveAgent, state: str, ts: datetime, reason: str | None = None, emit: bool = True
    ) -> None:
        ag.state, ag.since = state, ts
        if emit:
            self._emit(ts, "state", agent=ag.a.id, state=state, reason=reason)
        if state == "available":
            ag.idle_since = ts
            self._idle[ag.a.team].add(ag)

    def _login_action(self, ag: LiveAgent) -> Action:
        def act(ts: datetime) -> None:
            if ag.state != "offline":
                return
            self._emit(ts, "agent_login", agent=ag.a.id)
            ag.logged_in = ts
            ag.next_break = ts + self._s(self.rng.uniform(60, 120) * 60)
            self._set(ag, "available", ts, emit=False)
            self._dispatch(ts)

        return act

    def _become_free(self, ag: LiveAgent, ts: datetime) -> None:
        """After-call work is over: a break if one is due, else ready for the next call."""
        if ag.on_free is not None:
            action, ag.on_free = ag.on_free, None
            action(ts)
            return
        if ag.next_break is not None and ts >= ag.next_break:
            reason, dur, _ = self._pick_break()
            self._set(ag, "break", ts, reason)
            ag.next_break = None
            self._at(ts + self._s(dur * self.rng.uniform(0.7, 1.3)), self._break_end(ag))
            return
        self._set(ag, "available", ts)
        self._dispatch(ts)

    def _pick_break(self) -> tuple[str, int, float]:
        r = self.rng.random()
        acc = 0.0
        for item in BREAK_REASONS:
            acc += item[2]
            if r < acc:
                return item
        return BREAK_REASONS[-1]

    def _break_end(self, ag: LiveAgent) -> Action:
        def act(ts: datetime) -> None:
            if ag.state != "break":
                return
            ag.next_break = ts + self._s(self.rng.uniform(90, 130) * 60)
            self._set(ag, "available", ts)
            self._dispatch(ts)

        return act

    # --- calls ----------------------------------------------------------------------

    def staffed(self) -> int:
        """Agents taking calls: logged in and not on a break."""
        return sum(1 for a in self._agents.values() if a.state not in ("offline", "break"))

    def arrival_rate(self, at: datetime) -> float:
        """Calls a second at ``at``: the staffed floor at the day's target occupancy."""
        if self._staffed_at is None or (at - self._staffed_at).total_seconds() >= STAFFED_RECOUNT_S:
            self._staffed, self._staffed_at = self.staffed(), at
        occupancy = target_occupancy(at.astimezone(self.zone or UTC))
        return max(arrival_rate(self._staffed, occupancy), 1 / 600)

    def _arrival(self, ts: datetime) -> None:
        """Every caller who rang up to ``ts``: a Poisson stream, as many a second as the
        floor's size asks for, each at its own instant."""
        rng = self.rng
        while self._next_call <= ts:
            at = self._next_call
            self._offer(self._new_call(at, rng.choice(self._caller_teams)), at)
            self._next_call = at + timedelta(seconds=rng.expovariate(self.arrival_rate(at)))
        # An agent who came free at ``ts`` itself, after a caller who rang within the
        # second, takes them now.
        self._dispatch(ts)
        self._at(second_after(self._next_call), self._arrival)

    def _offer(self, call: LiveCall, ts: datetime) -> None:
        self._emit(ts, "call_offered", call=call.id, queue=call.queue, customer=call.customer)
        self._waiting.append(call)
        self._at(ts + self._s(self.rng.expovariate(1 / PATIENCE_MEAN_S) + 5), self._abandon(call))
        # The overflows are due once the caller has waited the full time; a caller rings
        # at any instant, and timed actions run on whole seconds: the next one after.
        if call.sensitive:
            self._at(second_after(ts + self._s(SENSITIVE_OVERFLOW_S)), self._dispatch)
        self._at(second_after(ts + self._s(FLOOR_OVERFLOW_S)), self._dispatch)
        self._dispatch(ts)

    def _abandon(self, call: LiveCall) -> Action:
        def act(ts: datetime) -> None:
            if call.agent is None and call in self._waiting:
                self._waiting.remove(call)
                call.done = True
                outcome = "timeout" if self.rng.random() < 0.15 else "abandoned"
                self._emit(
                    ts,
                    "call_abandoned",
                    call=call.id,
                    outcome=outcome,
                    hold_seconds=int((ts - call.offered).total_seconds()),
                )

        return act

    def _dispatch(self, ts: datetime) -> None:
        """Route waiting callers to the longest-idle available agent of their team.

        Called whenever a caller arrives or an agent becomes free, so a caller waits only
        while no agent who may take them is free (as Asterisk's app_queue does). Sensitive
        callers go to a designated agent from any team first (入线控制), and overflow to
        anyone in their team when they have waited too long. A caller whose team stays
        full overflows to the rest of the floor.
        """
        if not self._waiting:
            return
        # Each team's free agents, read once per routing and only for the teams asked for:
        # a large floor has hundreds of teams and thousands of agents.
        teams: dict[str, list[LiveAgent]] = {}
        floor: list[LiveAgent] | None = None

        def free_in(team: str) -> list[LiveAgent]:
            got = teams.get(team)
            if got is None:
                pool = self._idle[team]
                for gone in [a for a in pool if a.state != "available"]:
                    pool.discard(gone)
                # Only agents already free at ``ts``: the warm start back-dates states.
                got = teams[team] = [a for a in pool if (a.idle_since or a.since or ts) <= ts]
            return got

        def longest_idle(agents: list[LiveAgent]) -> LiveAgent:
            return min(agents, key=lambda a: (a.idle_since or ts, a.a.id))

        for call in list(self._waiting):
            pick: LiveAgent | None = None
            waited = (ts - call.offered).total_seconds()
            if call.sensitive or waited >= FLOOR_OVERFLOW_S:
                if floor is None:
                    floor = [a for t in self._teams for a in free_in(t)]
                if not floor:
                    return
            if call.sensitive:
                designated = [a for a in floor or () if a.a.designated]
                if designated:
                    pick = longest_idle(designated)
                elif waited < SENSITIVE_OVERFLOW_S:
                    continue
            if pick is None:
                team = free_in(call.team)
                if not team:
                    if waited < FLOOR_OVERFLOW_S or not floor:
                        continue
                    team = floor
                pick = longest_idle(team)
            self._waiting.remove(call)
            teams[pick.a.team].remove(pick)
            if floor is not None:
                floor.remove(pick)
            self._ring(call, pick, ts + self._s(self.rng.uniform(2, 6)))

    def _ring(
        self, call: LiveCall, ag: LiveAgent, at: datetime, talk_s: float | None = None
    ) -> None:
        """The agent's phone rings now; the call connects at ``at`` (not before it happens)."""
        ag.state = "ringing"  # internal only: keeps the ACD from picking them twice
        self._at(at, lambda ts: self._answer(call, ag, ts, talk_s=talk_s))

    def _answer(
        self,
        call: LiveCall,
        ag: LiveAgent,
        ts: datetime,
        talk_s: float | None = None,
        script: bool = False,
    ) -> None:
        """Connect ``call`` to ``ag`` at ``ts`` and plan how it goes."""
        call.agent = ag.a.id
        call.answered = ts
        ag.call = call
        ag.state, ag.since = "on_call", ts  # the feed's call_answered says so
        self._emit(
            ts,
            "call_answered",
            call=call.id,
            agent=ag.a.id,
            hold_seconds=int((ts - call.offered).total_seconds()),
        )
        if script:
            return
        rng = self.rng
        talk = talk_s if talk_s is not None else self._lognormal(TALK_MEDIAN_S, TALK_SIGMA)
        talk = min(max(talk, 20.0), 3600.0)
        call.talk_s = talk
        end = ts + self._s(talk)
        hostile_p = P_NEGATIVE * ag.volatile * (3 if call.sensitive else 1)
        if rng.random() < hostile_p:
            call.negative = True
            self._at(ts + self._s(talk * rng.uniform(0.2, 0.7)), self._update(call, negative=True))
            if rng.random() < 0.25:
                self._at(ts + self._s(talk * rng.uniform(0.3, 0.8)), self._raise_hand(ag, call))
        if rng.random() < P_REFUSING * (2 if call.sensitive else 1):
            n = 3 if rng.random() < 0.5 else 2
            for k in range(1, n + 1):
                self._at(ts + self._s(talk * k / (n + 1.5)), self._update(call, refused=k))
        if rng.random() < P_COMPLAINT * (3 if call.negative else 1):
            call.complaint = True
        call.hard = call.complaint or call.negative
        self._at(end, self._end_call(call, ag))

    def _update(
        self, call: LiveCall, *, negative: bool = False, refused: int = 0, complaint: bool = False
    ) -> Action:
        def act(ts: datetime) -> None:
            if call.done:
                return
            if refused:
                call.refused = max(call.refused, refused)
            self._emit(
                ts,
                "call_update",
                call=call.id,
                negative_sentiment=True if negative else None,
                refused_explanations=refused or None,
                complaint=True if complaint else None,
            )

        return act

    def _raise_hand(self, ag: LiveAgent, call: LiveCall | None, note: str | None = None) -> Action:
        def act(ts: datetime) -> None:
            if call is not None and call.done:
                return
            self._emit(ts, "raise_hand", agent=ag.a.id, note=note or self.rng.choice(HAND_NOTES))

        return act

    def _end_call(self, call: LiveCall, ag: LiveAgent, acw_s: float | None = None) -> Action:
        def act(ts: datetime) -> None:
            if call.done:
                return
            call.done = True
            rng = self.rng
            talk = int((ts - (call.answered or ts)).total_seconds())
            if call.complaint or call.negative:
                sat, effort = rng.choice((1, 1, 2)), rng.choice((4, 5, 5))
            else:
                sat, effort = rng.choice((3, 4, 4, 5, 5, 5)), rng.choice((1, 1, 2, 2, 3))
            if not call.hard and rng.random() < P_TRANSFER:
                self._emit(ts, "call_transferred", call=call.id, to="tier2", talk_seconds=talk)
            else:
                self._emit(
                    ts,
                    "call_ended",
                    call=call.id,
                    agent=ag.a.id,
                    outcome="completed",
                    talk_seconds=talk,
                    satisfaction=sat,
                    effort=effort,
                    complaint=call.complaint or None,
                    negative_sentiment=call.negative or None,
                    refused_explanations=call.refused or None,
                    after_call=True,
                )
            if rng.random() < P_ESCALATION * (4 if call.hard else 1):
                self._escalate(ag, call, ts)
            ag.call = None
            self._set(ag, "after_call", ts)
            if acw_s is not None:
                acw = acw_s
            elif call.hard:
                # Recovering after a hard call: often longer than five minutes.
                acw = self._lognormal(HARD_ACW_MEDIAN_S, ACW_SIGMA)
            else:
                acw = self._lognormal(ACW_MEDIAN_S, ACW_SIGMA)
            self._at(ts + self._s(max(acw, 5.0)), self._acw_end(ag))

        return act

    def _acw_end(self, ag: LiveAgent) -> Action:
        def act(ts: datetime) -> None:
            if ag.state == "after_call":
                self._become_free(ag, ts)

        return act

    def _escalate(
        self,
        ag: LiveAgent,
        call: LiveCall | None,
        ts: datetime,
        reason: str | None = None,
        tier: int | None = None,
        severity: str | None = None,
    ) -> None:
        rng = self.rng
        self._emit(
            ts,
            "escalation",
            agent=ag.a.id,
            call=call.id if call else None,
            customer=call.customer if call else None,
            reason=reason or rng.choice(ESCALATION_REASONS),
            tier=tier or rng.choice((1, 1, 2, 2, 3)),
            severity=severity or rng.choice(("light", "medium", "medium", "high")),
        )

    # --- supervisors and shift changes ------------------------------------------

    def _observation(self, ts: datetime) -> None:
        rng = self.rng
        on_floor = [a for a in self._agents.values() if a.state != "offline"]
        if on_floor:
            ag = rng.choice(on_floor)
            by = self.roster.leaders.get(ag.a.team) or self.roster.floor_manager or "patrol"
            self._emit(
                ts, "observation", agent=ag.a.id, supervisor=by, text=rng.choice(OBSERVATIONS)
            )
        self._at(ts + self._s(rng.uniform(6, 15) * 60), self._observation)

    def _shift_change(self, ts: datetime) -> None:
        """Now and then an offline agent starts their shift; one who has done 8 h leaves."""
        rng = self.rng
        offline = [a for a in self._agents.values() if a.state == "offline"]
        if offline and rng.random() < 0.6:
            self._login_action(rng.choice(offline))(ts)
        done = [
            a
            for a in self._agents.values()
            if a.state == "available"
            and a.logged_in is not None
            and ts - a.logged_in > timedelta(hours=8)
        ]
        if done:
            ag = rng.choice(done)
            self._emit(ts, "agent_logout", agent=ag.a.id)
            ag.logged_in = None
            self._set(ag, "offline", ts, emit=False)
        self._at(ts + self._s(rng.uniform(3, 8) * 60), self._shift_change)
