"""A live floor, simulated: pure and deterministic (same roster, seed and start: same events).

The simulator is a discrete-event model: one heap of timed actions (a customer calls,
a call ends, after-call work ends, a break starts...) run in time order, each emitting
feed events as JSONL-shaped dicts (the schema of docs/events.md). Nothing here touches
the store; ``runner`` feeds the events through the same parser and writer as a real feed.

**The ACD.** A caller waits only while no agent who may take them is free: each arrival
and each agent coming free routes the queue at once, and the chosen agent's phone rings
a few seconds before the call connects.

**Warm start.** At ``start`` the floor is mid-shift: agents logged in for a while (two of
them 2.5 h without a break), calls in progress (two for 15-19 minutes), callers waiting
where their team is full.
A few agents carry a scripted situation that brings each distress rule of issue 4 to
fire within the first ten minutes at real-time pace: long call, complaint streak,
hostile streak, refused explanations, after-call overrun, no break, raised hand and a
sensitive customer reaching an undesignated agent. After that the floor runs on its own
probabilities, which produce the same situations now and then.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

Action = Callable[[datetime], None]

# Call lengths: log-normal with a median of 4 minutes; sigma 0.8 puts ~2 % over 20 minutes.
TALK_MEDIAN_S = 240.0
TALK_SIGMA = 0.8
ACW_MEDIAN_S = 40.0
PATIENCE_MEAN_S = 180.0  # how long a caller waits before hanging up
RING_MEAN_S = 4.0  # the phone rings 2-6 s before the call connects: the agent is taken
SENSITIVE_OVERFLOW_S = 30.0  # a sensitive caller waits this long for a designated agent
# After this long a caller may go to a free agent of any team: app_queue's queue rules
# raising the penalty limit, so members of the other teams' queues (higher penalty) ring.
# 20 s is the usual service-level target (80 % answered within 20 s).
FLOOR_OVERFLOW_S = 20.0

P_COMPLAINT = 0.03
P_NEGATIVE = 0.07
P_REFUSING = 0.025
P_TRANSFER = 0.03
P_ESCALATION = 0.015
P_SENSITIVE = 0.02
P_REPEAT_CALLER = 0.05
VOLATILITY = (0.6, 1.0, 1.0, 1.6, 2.2)  # how much hostility an agent attracts, drawn per agent
HARD_ACW_MEDIAN_S = 200.0  # after a complaint or a hostile call
ACW_SIGMA = 0.5

# **Arrivals sized to the floor.** An agent is busy for a call from the ring to the end of
# after-call work: the average handle time. Offered load A = arrival rate x handle time (in
# Erlangs), and with every call served the occupancy of N staffed agents is A / N. So the
# rate that keeps N agents busy at occupancy rho is rho x N / handle time, whatever N is:
# a 10,000-agent floor gets fifty times the calls of a 200-agent one, several a second,
# and is as busy. (Erlang C then says how often callers queue: often on a small floor,
# rarely on a large one at the same occupancy, as in a real centre.)
MEAN_TALK_S = TALK_MEDIAN_S * math.exp(TALK_SIGMA**2 / 2)
_P_HOSTILE = P_NEGATIVE * sum(VOLATILITY) / len(VOLATILITY)
_P_HARD = _P_HOSTILE + (1 - _P_HOSTILE) * P_COMPLAINT
MEAN_ACW_S = math.exp(ACW_SIGMA**2 / 2) * (
    (1 - _P_HARD) * ACW_MEDIAN_S + _P_HARD * HARD_ACW_MEDIAN_S)
MEAN_HANDLE_S = RING_MEAN_S + MEAN_TALK_S + MEAN_ACW_S
# The day of a real inbound centre: calls build from 07:00 to a morning peak at 10-11 h,
# dip over lunch, peak again at 14-16 h and tail off through the evening; the night is
# quiet. Staffing follows the forecast only in part (shifts are hours long), so the
# occupancy of the staffed floor carries the curve: the target, by local hour (linear in
# between), is 85 % at the peaks and a little over half at night.
OCCUPANCY_BY_HOUR = (
    0.58, 0.56, 0.55, 0.55, 0.55, 0.56, 0.60, 0.67,  # 00-07
    0.75, 0.81, 0.85, 0.84, 0.78, 0.79, 0.83, 0.85,  # 08-15
    0.83, 0.79, 0.74, 0.71, 0.68, 0.65, 0.62, 0.60,  # 16-23
)
STAFFED_RECOUNT_S = 10.0  # how often arrivals re-read how many agents take calls


def target_occupancy(local: datetime) -> float:
    """The occupancy the arrivals aim at, at this local time of day."""
    hour = local.hour + local.minute / 60 + local.second / 3600
    h = int(hour)
    frac = hour - h
    return OCCUPANCY_BY_HOUR[h] * (1 - frac) + OCCUPANCY_BY_HOUR[(h + 1) % 24] * frac


def _second_after(at: datetime) -> datetime:
    """``at`` rounded up to a whole second (itself when it is one)."""
    return at if at.microsecond == 0 else at.replace(microsecond=0) + timedelta(seconds=1)


def arrival_rate(staffed: int, occupancy: float) -> float:
    """Calls a second that keep ``staffed`` agents busy ``occupancy`` of the time."""
    return occupancy * staffed / MEAN_HANDLE_S

BREAK_REASONS = (("restroom", 300, 0.35), ("coffee", 600, 0.25), ("coaching", 900, 0.15),
                 ("lunch", 1800, 0.25))
ESCALATION_REASONS = (
    "billing dispute: customer demands a refund of the 3·15 promotion charge",
    "repeat fault: broadband down for the third time this week",
    "customer threatens to call the regulator (工信部) about a contract term",
    "number porting blocked, customer says nobody calls back",
    "roaming charges the customer never agreed to",
    "a medium case the agent cannot close: needs a tier-2 specialist",
)
HAND_NOTES = ("customer demands a manager", "customer shouting, need help",
              "don't know the answer on the new tariff", "customer threatens media exposure")
OBSERVATIONS = ("voice raised, typing hard on the keyboard",
                "covered the microphone twice to vent",
                "long silence on the call, looks stuck",
                "flushed after the last call, needs a minute")
SENSITIVE_NOTES = ("complained to the media last 3·15", "regulator complaint on file",
                   "repeat complaint, VIP line", "lawyer involved")


@dataclass(frozen=True, slots=True)
class SimAgent:
    id: str
    name: str
    team: str
    designated: bool = False


@dataclass(slots=True)
class SimRoster:
    agents: list[SimAgent]
    leaders: dict[str, str] = field(default_factory=dict)  # team -> team leader login
    floor_manager: str | None = None
    sensitive_customers: list[str] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Call:
    id: str
    queue: str
    team: str
    customer: str
    offered: datetime
    sensitive: bool
    agent: str | None = None
    answered: datetime | None = None
    talk_s: float = 0.0
    complaint: bool = False
    negative: bool = False
    refused: int = 0
    done: bool = False
    hard: bool = False  # the after-call work that follows is long (recovering)


@dataclass(slots=True, eq=False)  # identity: agents are compared and kept in sets
class _Agent:
    a: SimAgent
    state: str = "offline"
    since: datetime | None = None
    call: _Call | None = None
    idle_since: datetime | None = None
    next_break: datetime | None = None
    volatile: float = 1.0  # how much hostility this agent attracts/absorbs badly
    # A scripted call that takes this agent the moment they are next free (instead of
    # holding them idle for it, which the board would show beside a waiting queue).
    on_free: Action | None = None
    logged_in: datetime | None = None


class FloorSimulator:
    """Generates the feed of one simulated floor. Call ``advance(until)`` repeatedly."""

    def __init__(self, roster: SimRoster, *, seed: int, start: datetime,
                 warm: bool = True, zone: tzinfo | None = None) -> None:
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
        self._agents = {a.id: _Agent(a, volatile=self.rng.choice(VOLATILITY))
                        for a in roster.agents}
        self._waiting: list[_Call] = []
        self._teams = sorted({a.team for a in roster.agents})
        # A caller's queue is the team of a random agent: a team's calls match its size.
        self._caller_teams = [a.team for a in sorted(roster.agents, key=lambda a: a.id)]
        # Agents who may be free, by team: the ACD looks at these, not at the whole floor.
        self._idle: dict[str, set[_Agent]] = {t: set() for t in self._teams}
        self._next_call = self.start  # the exact time the next caller rings
        self._staffed = 0
        self._staffed_at: datetime | None = None
        self._customers_seen: list[str] = []
        self.scripted: dict[str, str] = {}  # situation -> agent id (for tests and the log)
        if warm:
            self._warm_start()
        else:
            for ag in self._agents.values():
                self._at(self.start + timedelta(seconds=self.rng.uniform(0, 120)),
                         self._login_action(ag))
        self._at(self.start, self._arrival)
        self._at(self.start + timedelta(minutes=self.rng.uniform(6, 9)), self._observation)
        self._at(self.start + timedelta(minutes=self.rng.uniform(2, 4)), self._shift_change)

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
        ev: dict[str, Any] = {"id": f"{self.run_tag}-{self._seq:07d}", "type": type_,
                              "ts": ts.replace(microsecond=0)}
        ev.update({k: v for k, v in fields.items() if v is not None})
        self._out.append(ev)

    def _s(self, seconds: float) -> timedelta:
        return timedelta(seconds=round(seconds))

    def _lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.rng.gauss(0.0, sigma))

    def _new_call(self, ts: datetime, team: str, *, sensitive: bool | None = None,
                  customer: str | None = None) -> _Call:
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
        return _Call(id=f"{self.run_tag}-c{self._calls_n:05d}", queue=team, team=team,
                     customer=customer, offered=ts, sensitive=sensitive)

    # --- agent state ------------------------------------------------------------------

    def _set(self, ag: _Agent, state: str, ts: datetime, reason: str | None = None,
             emit: bool = True) -> None:
        ag.state, ag.since = state, ts
        if emit:
            self._emit(ts, "state", agent=ag.a.id, state=state, reason=reason)
        if state == "available":
            ag.idle_since = ts
            self._idle[ag.a.team].add(ag)

    def _login_action(self, ag: _Agent) -> Action:
        def act(ts: datetime) -> None:
            if ag.state != "offline":
                return
            self._emit(ts, "agent_login", agent=ag.a.id)
            ag.logged_in = ts
            ag.next_break = ts + self._s(self.rng.uniform(60, 120) * 60)
            self._set(ag, "available", ts, emit=False)
            self._dispatch(ts)
        return act

    def _become_free(self, ag: _Agent, ts: datetime) -> None:
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

    def _break_end(self, ag: _Agent) -> Action:
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
        if self._staffed_at is None or (at - self._staffed_at).total_seconds() >= \
                STAFFED_RECOUNT_S:
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
        self._at(_second_after(self._next_call), self._arrival)

    def _offer(self, call: _Call, ts: datetime) -> None:
        self._emit(ts, "call_offered", call=call.id, queue=call.queue, customer=call.customer)
        self._waiting.append(call)
        self._at(ts + self._s(self.rng.expovariate(1 / PATIENCE_MEAN_S) + 5),
                 self._abandon(call))
        # The overflows are due once the caller has waited the full time; a caller rings
        # at any instant, and timed actions run on whole seconds: the next one after.
        if call.sensitive:
            self._at(_second_after(ts + self._s(SENSITIVE_OVERFLOW_S)), self._dispatch)
        self._at(_second_after(ts + self._s(FLOOR_OVERFLOW_S)), self._dispatch)
        self._dispatch(ts)

    def _abandon(self, call: _Call) -> Action:
        def act(ts: datetime) -> None:
            if call.agent is None and call in self._waiting:
                self._waiting.remove(call)
                call.done = True
                outcome = "timeout" if self.rng.random() < 0.15 else "abandoned"
                self._emit(ts, "call_abandoned", call=call.id, outcome=outcome,
                           hold_seconds=int((ts - call.offered).total_seconds()))
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
        teams: dict[str, list[_Agent]] = {}
        floor: list[_Agent] | None = None

        def free_in(team: str) -> list[_Agent]:
            got = teams.get(team)
            if got is None:
                pool = self._idle[team]
                for gone in [a for a in pool if a.state != "available"]:
                    pool.discard(gone)
                # Only agents already free at ``ts``: the warm start back-dates states.
                got = teams[team] = [a for a in pool if (a.idle_since or a.since or ts) <= ts]
            return got

        def longest_idle(agents: list[_Agent]) -> _Agent:
            return min(agents, key=lambda a: (a.idle_since or ts, a.a.id))

        for call in list(self._waiting):
            pick: _Agent | None = None
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

    def _ring(self, call: _Call, ag: _Agent, at: datetime, talk_s: float | None = None) -> None:
        """The agent's phone rings now; the call connects at ``at`` (not before it happens)."""
        ag.state = "ringing"  # internal only: keeps the ACD from picking them twice
        self._at(at, lambda ts: self._answer(call, ag, ts, talk_s=talk_s))

    def _answer(self, call: _Call, ag: _Agent, ts: datetime,
                talk_s: float | None = None, script: bool = False) -> None:
        """Connect ``call`` to ``ag`` at ``ts`` and plan how it goes."""
        call.agent = ag.a.id
        call.answered = ts
        ag.call = call
        ag.state, ag.since = "on_call", ts  # the feed's call_answered says so
        self._emit(ts, "call_answered", call=call.id, agent=ag.a.id,
                   hold_seconds=int((ts - call.offered).total_seconds()))
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

    def _update(self, call: _Call, *, negative: bool = False, refused: int = 0,
                complaint: bool = False) -> Action:
        def act(ts: datetime) -> None:
            if call.done:
                return
            if refused:
                call.refused = max(call.refused, refused)
            self._emit(ts, "call_update", call=call.id,
                       negative_sentiment=True if negative else None,
                       refused_explanations=refused or None,
                       complaint=True if complaint else None)
        return act

    def _raise_hand(self, ag: _Agent, call: _Call | None, note: str | None = None) -> Action:
        def act(ts: datetime) -> None:
            if call is not None and call.done:
                return
            self._emit(ts, "raise_hand", agent=ag.a.id,
                       note=note or self.rng.choice(HAND_NOTES))
        return act

    def _end_call(self, call: _Call, ag: _Agent, acw_s: float | None = None) -> Action:
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
                self._emit(ts, "call_transferred", call=call.id, to="tier2",
                           talk_seconds=talk)
            else:
                self._emit(ts, "call_ended", call=call.id, agent=ag.a.id, outcome="completed",
                           talk_seconds=talk, satisfaction=sat, effort=effort,
                           complaint=call.complaint or None,
                           negative_sentiment=call.negative or None,
                           refused_explanations=call.refused or None, after_call=True)
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

    def _acw_end(self, ag: _Agent) -> Action:
        def act(ts: datetime) -> None:
            if ag.state == "after_call":
                self._become_free(ag, ts)
        return act

    def _escalate(self, ag: _Agent, call: _Call | None, ts: datetime,
                  reason: str | None = None, tier: int | None = None,
                  severity: str | None = None) -> None:
        rng = self.rng
        self._emit(ts, "escalation", agent=ag.a.id, call=call.id if call else None,
                   customer=call.customer if call else None,
                   reason=reason or rng.choice(ESCALATION_REASONS),
                   tier=tier or rng.choice((1, 1, 2, 2, 3)),
                   severity=severity or rng.choice(("light", "medium", "medium", "high")))

    # --- supervisors and shift changes ------------------------------------------

    def _observation(self, ts: datetime) -> None:
        rng = self.rng
        on_floor = [a for a in self._agents.values() if a.state != "offline"]
        if on_floor:
            ag = rng.choice(on_floor)
            by = self.roster.leaders.get(ag.a.team) or self.roster.floor_manager or "patrol"
            self._emit(ts, "observation", agent=ag.a.id, supervisor=by,
                       text=rng.choice(OBSERVATIONS))
        self._at(ts + self._s(rng.uniform(6, 15) * 60), self._observation)

    def _shift_change(self, ts: datetime) -> None:
        """Now and then an offline agent starts their shift; one who has done 8 h leaves."""
        rng = self.rng
        offline = [a for a in self._agents.values() if a.state == "offline"]
        if offline and rng.random() < 0.6:
            self._login_action(rng.choice(offline))(ts)
        done = [a for a in self._agents.values()
                if a.state == "available" and a.logged_in is not None
                and ts - a.logged_in > timedelta(hours=8)]
        if done:
            ag = rng.choice(done)
            self._emit(ts, "agent_logout", agent=ag.a.id)
            ag.logged_in = None
            self._set(ag, "offline", ts, emit=False)
        self._at(ts + self._s(rng.uniform(3, 8) * 60), self._shift_change)

    # --- warm start ---------------------------------------------------------------

    def _warm_start(self) -> None:
        rng = self.rng
        t0 = self.start

        def ago(minutes: float) -> datetime:
            return t0 - timedelta(seconds=round(minutes * 60))

        def after(minutes: float) -> datetime:
            return t0 + timedelta(seconds=round(minutes * 60))

        agents = sorted(self._agents.values(), key=lambda a: a.a.id)
        order = list(agents)
        rng.shuffle(order)
        # About one agent in twelve has not started the shift yet.
        n_off = len(order) // 12
        offline, on = order[:n_off], order[n_off:]
        undesignated = [a for a in on if not a.a.designated]
        roles = ["sensitive", "complaint", "hostile", "refused", "overrun", "no_break",
                 "no_break_over", "long", "long2", "hand", "escalation"]
        cast: dict[str, _Agent] = {}
        pool = list(on)
        if undesignated:
            cast["sensitive"] = undesignated[0]
            pool.remove(undesignated[0])
        for role in roles[1:]:
            if pool:
                cast[role] = pool.pop(0)
        self.scripted = {role: ag.a.id for role, ag in cast.items()}
        scripted = set(cast.values())

        for ag in offline:
            self._at(after(rng.uniform(3, 60)), self._login_action(ag))

        for ag in on:
            if ag is cast.get("no_break"):
                login = ago(rng.uniform(146, 149))
            elif ag is cast.get("no_break_over"):
                login = ago(rng.uniform(152, 160))
            elif ag in scripted:
                login = ago(rng.uniform(70, 120))  # room for their earlier calls
            else:
                login = ago(rng.uniform(20, 170))
            self._emit(login, "agent_login", agent=ag.a.id)
            ag.logged_in = login
            worked = (t0 - login).total_seconds() / 60
            if ag in (cast.get("no_break"), cast.get("no_break_over")):
                ag.next_break = after(rng.uniform(20, 35))
            elif worked > 100 and ag not in scripted:
                # Had a break earlier in the shift, ended before anything current began.
                reason, dur, _ = self._pick_break()
                b0 = login + self._s(rng.uniform(50, worked - 25 - dur / 60) * 60)
                b1 = b0 + self._s(dur)
                self._set(ag, "break", b0, reason)
                self._set(ag, "available", b1)
                ag.next_break = b1 + timedelta(minutes=rng.uniform(90, 130))
            else:
                ag.next_break = login + timedelta(minutes=rng.uniform(60, 120))
            ag.state, ag.since = "available", login
            self._idle[ag.a.team].add(ag)

        for ag in on:
            if ag in scripted:
                continue
            r = rng.random()
            if r < 0.6:  # on a call that started a while ago
                answered = ago(rng.uniform(0.2, 12))
                call = self._new_call(answered - self._s(rng.uniform(5, 60)), ag.a.team,
                                      sensitive=False)
                self._emit(call.offered, "call_offered", call=call.id, queue=call.queue,
                           customer=call.customer)
                # What is left of a call found in progress: a call caught mid-way is
                # likelier a long one (length-biased: log-normal with median x e^sigma^2),
                # and any point of it. Shorter, and the calls of the warm start would end
                # together and leave the floor idle for its first quarter hour.
                talk_left = self._lognormal(TALK_MEDIAN_S * math.exp(TALK_SIGMA**2),
                                            TALK_SIGMA) * rng.random() + 20
                self._answer(call, ag, answered,
                             talk_s=(t0 - answered).total_seconds() + talk_left)
            elif r < 0.72:
                since = ago(rng.uniform(0, 1.5))
                self._past_call(ag, since, complaint=False, negative=False, close_acw=False)
                self._at(after(rng.uniform(0.1, 1)), self._acw_end(ag))
            elif r < 0.85 or ag.next_break is None:
                self._just_freed(ag, ago(rng.uniform(0, 1)))
            else:
                reason, dur, _ = self._pick_break()
                since = ago(rng.uniform(1, min(dur / 60 - 1, 20)))
                self._set(ag, "break", since, reason)
                ag.next_break = None
                self._at(since + timedelta(seconds=dur), self._break_end(ag))

        self._script(cast, ago, after)
        # A few callers rang in the last minutes. The heap replays their arrival and every
        # agent's becoming free in time order, so a caller still waits at the start only if
        # nobody of their team was free since they rang: a queue where the floor is full.
        for _ in range(max(1, len(on) // 15)):
            call = self._new_call(ago(rng.uniform(0.2, 1.5)), rng.choice(self._teams),
                                  sensitive=False)
            self._at(call.offered, lambda ts, call=call: self._offer(call, ts))
        for ag in on:
            if ag.state == "available" and ag.idle_since is not None:
                self._at(ag.idle_since, self._dispatch)

    def _just_freed(self, ag: _Agent, since: datetime) -> None:
        """Available since ``since``, after a call: without one the feed's last word would
        be the login or an old break, and the board would show them idle for an hour."""
        ended = since - self._s(self.rng.uniform(20, 60))
        self._past_call(ag, ended, complaint=False, negative=False, close_acw=False)
        self._set(ag, "available", since)

    def _past_call(self, ag: _Agent, ended: datetime, *, complaint: bool, negative: bool,
                   minutes: float | None = None, close_acw: bool = True) -> _Call:
        """A call the agent finished before the simulation started (back-dated events)."""
        rng = self.rng
        talk = (minutes or rng.uniform(2, 7)) * 60
        answered = ended - self._s(talk)
        call = self._new_call(answered - self._s(rng.uniform(5, 40)), ag.a.team, sensitive=False)
        self._emit(call.offered, "call_offered", call=call.id, queue=call.queue,
                   customer=call.customer)
        self._emit(answered, "call_answered", call=call.id, agent=ag.a.id,
                   hold_seconds=int((answered - call.offered).total_seconds()))
        if negative:
            self._emit(answered + self._s(talk / 2), "call_update", call=call.id,
                       negative_sentiment=True)
        self._emit(ended, "call_ended", call=call.id, agent=ag.a.id, outcome="completed",
                   talk_seconds=int(talk), satisfaction=1 if complaint or negative else 4,
                   effort=5 if complaint or negative else 2, complaint=complaint or None,
                   negative_sentiment=negative or None, after_call=True)
        self._emit(ended, "state", agent=ag.a.id, state="after_call")
        if close_acw:
            self._emit(ended + self._s(rng.uniform(20, 60)), "state", agent=ag.a.id,
                       state="available")
        else:
            ag.state, ag.since = "after_call", ended
        call.done = True
        return call

    def _script(self, cast: dict[str, _Agent], ago: Callable[[float], datetime],
                after: Callable[[float], datetime]) -> None:
        """The situations that make every rule fire in the first ten minutes."""
        rng = self.rng

        def live_call(ag: _Agent, answered: datetime, sensitive: bool = False,
                      customer: str | None = None) -> _Call:
            call = self._new_call(answered - self._s(rng.uniform(5, 40)), ag.a.team,
                                  sensitive=sensitive, customer=customer)
            self._emit(call.offered, "call_offered", call=call.id, queue=call.queue,
                       customer=call.customer)
            self._answer(call, ag, answered, script=True)
            return call

        for role in ("long", "long2"):
            if (ag := cast.get(role)) is not None:
                # In progress for 15-19 minutes; ends well past 20.
                answered = ago(rng.uniform(15, 19))
                call = live_call(ag, answered)
                self._at(after(rng.uniform(8, 14)), self._end_call(call, ag))

        if (ag := cast.get("complaint")) is not None:
            self._past_call(ag, ago(rng.uniform(25, 40)), complaint=True, negative=False)
            call = live_call(ag, ago(rng.uniform(2, 4)))
            call.complaint = call.hard = True
            self._at(after(rng.uniform(0.5, 1.5)), self._update(call, complaint=True))
            self._at(after(rng.uniform(2, 3)), self._end_call(call, ag, acw_s=rng.uniform(
                6.5 * 60, 8 * 60)))

        if (ag := cast.get("hostile")) is not None:
            ag.volatile = 2.2
            self._past_call(ag, ago(rng.uniform(45, 55)), complaint=False, negative=True)
            self._past_call(ag, ago(rng.uniform(15, 25)), complaint=False, negative=True)
            call = live_call(ag, ago(rng.uniform(1, 3)))
            call.negative = call.hard = True
            self._at(after(rng.uniform(0.5, 1.5)), self._update(call, negative=True))
            self._at(after(rng.uniform(3, 5)), self._end_call(call, ag))

        if (ag := cast.get("refused")) is not None:
            call = live_call(ag, ago(rng.uniform(3, 5)))
            call.negative = call.hard = True
            for k, at in ((1, rng.uniform(0.5, 1.5)), (2, rng.uniform(2, 3)),
                          (3, rng.uniform(3.5, 5))):
                self._at(after(at), self._update(call, refused=k))
            self._at(after(rng.uniform(7, 9)), self._end_call(call, ag))

        if (ag := cast.get("overrun")) is not None:
            ended = ago(rng.uniform(1, 2))
            self._past_call(ag, ended, complaint=True, negative=True, close_acw=False)
            self._at(ended + self._s(rng.uniform(6.5, 8) * 60), self._acw_end(ag))

        for role in ("no_break", "no_break_over"):
            if (ag := cast.get(role)) is not None:
                self._just_freed(ag, ago(rng.uniform(0, 1)))

        if (ag := cast.get("hand")) is not None:
            call = live_call(ag, ago(rng.uniform(4, 7)))
            call.negative = call.hard = True
            self._at(after(rng.uniform(0.5, 1)), self._update(call, negative=True))
            self._at(after(rng.uniform(2, 4)), self._raise_hand(
                ag, call, "customer demands a manager, will not accept the tariff explanation"))
            self._at(after(rng.uniform(9, 12)), self._end_call(call, ag))

        if (ag := cast.get("escalation")) is not None:
            call = live_call(ag, ago(rng.uniform(1, 3)))
            self._at(after(rng.uniform(4, 6)), self._end_call(call, ag))

            def esc(ts: datetime, ag: _Agent = ag, call: _Call = call) -> None:
                self._escalate(ag, call, ts, reason=ESCALATION_REASONS[0], tier=2,
                               severity="medium")
            self._at(after(rng.uniform(3, 4)), esc)

        if (ag := cast.get("sensitive")) is not None and self.roster.sensitive_customers:
            # A sensitive customer rings from a number the IVR does not know, so the ACD
            # routes them as anyone: to this (undesignated) agent as they come free from
            # their current call. Holding the agent idle for it would leave them
            # "available" on the board beside a waiting queue.
            call = live_call(ag, ago(rng.uniform(2, 4)))
            self._at(after(rng.uniform(0.8, 2)), self._end_call(call, ag,
                                                                acw_s=rng.uniform(15, 40)))
            customer = self.roster.sensitive_customers[0]
            talk_s = rng.uniform(5, 9) * 60

            def sensitive_call(ts: datetime, ag: _Agent = ag, customer: str = customer,
                               talk_s: float = talk_s) -> None:
                call = self._new_call(ts, ag.a.team, sensitive=True, customer=customer)
                self._emit(ts, "call_offered", call=call.id, queue=call.queue,
                           customer=call.customer)
                self._set(ag, "available", ts)
                self._ring(call, ag, ts + self._s(self.rng.uniform(2, 6)), talk_s=talk_s)
            ag.on_free = sensitive_call
