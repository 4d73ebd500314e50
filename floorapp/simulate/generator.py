"""A live floor, simulated: pure and deterministic (same roster, seed and start: same events).

The simulator is a discrete-event model (``queue``) over the floor's numbers and people
(``floor``). Nothing here touches the store; ``runner`` feeds the events through the same
parser and writer as a real feed.

**The ACD.** A caller waits only while no agent who may take them is free: each arrival
and each agent coming free routes the queue at once, and the chosen agent's phone rings
a few seconds before the call connects.

**Warm start.** At ``start`` the floor is mid-shift: agents logged in for a while (two of
them 2.5 h without a break), calls in progress (two for 15-19 minutes), callers waiting
where their team is full.
A few agents carry a scripted situation (``scenarios``) that brings each distress rule to
fire within the first ten minutes at real-time pace: long call, complaint streak,
hostile streak, refused explanations, after-call overrun, no break, raised hand and a
sensitive customer reaching an undesignated agent. After that the floor runs on its own
probabilities, which produce the same situations now and then.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo
from functools import partial

from floorapp.simulate.floor import (
    FLOOR_OVERFLOW_S,
    MEAN_HANDLE_S,
    MEAN_TALK_S,
    SENSITIVE_NOTES,
    SENSITIVE_OVERFLOW_S,
    TALK_MEDIAN_S,
    TALK_SIGMA,
    LiveAgent,
    SimAgent,
    SimRoster,
    target_occupancy,
)
from floorapp.simulate.scenarios import ScriptedFloor

__all__ = [
    "FLOOR_OVERFLOW_S",
    "MEAN_HANDLE_S",
    "MEAN_TALK_S",
    "SENSITIVE_NOTES",
    "SENSITIVE_OVERFLOW_S",
    "FloorSimulator",
    "SimAgent",
    "SimRoster",
    "target_occupancy",
]


class FloorSimulator(ScriptedFloor):
    """Generates the feed of one simulated floor. Call ``advance(until)`` repeatedly."""

    def __init__(
        self,
        roster: SimRoster,
        *,
        seed: int,
        start: datetime,
        warm: bool = True,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__(roster, seed=seed, start=start, zone=zone)
        if warm:
            self._warm_start()
        else:
            for ag in self._agents.values():
                self._at(
                    self.start + timedelta(seconds=self.rng.uniform(0, 120)), self._login_action(ag)
                )
        self._at(self.start, self._arrival)
        self._at(self.start + timedelta(minutes=self.rng.uniform(6, 9)), self._observation)
        self._at(self.start + timedelta(minutes=self.rng.uniform(2, 4)), self._shift_change)

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
        roles = [
            "sensitive",
            "complaint",
            "hostile",
            "refused",
            "overrun",
            "no_break",
            "no_break_over",
            "long",
            "long2",
            "hand",
            "escalation",
        ]
        cast: dict[str, LiveAgent] = {}
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
                call = self._new_call(
                    answered - self._s(rng.uniform(5, 60)), ag.a.team, sensitive=False
                )
                self._emit(
                    call.offered,
                    "call_offered",
                    call=call.id,
                    queue=call.queue,
                    customer=call.customer,
                )
                # What is left of a call found in progress: a call caught mid-way is
                # likelier a long one (length-biased: log-normal with median x e^sigma^2),
                # and any point of it. Shorter, and the calls of the warm start would end
                # together and leave the floor idle for its first quarter hour.
                talk_left = (
                    self._lognormal(TALK_MEDIAN_S * math.exp(TALK_SIGMA**2), TALK_SIGMA)
                    * rng.random()
                    + 20
                )
                self._answer(call, ag, answered, talk_s=(t0 - answered).total_seconds() + talk_left)
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
            call = self._new_call(
                ago(rng.uniform(0.2, 1.5)), rng.choice(self._teams), sensitive=False
            )
            self._at(call.offered, partial(self._offer, call))
        for ag in on:
            if ag.state == "available" and ag.idle_since is not None:
                self._at(ag.idle_since, self._dispatch)
