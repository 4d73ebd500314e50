"""Scripted situations: a few agents of the warm start each carry one that brings a distress
rule to fire within the first ten minutes at real-time pace, and the back-dated calls
(finished before the simulation started) that set them up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from floorapp.simulate.floor import ESCALATION_REASONS, LiveAgent, LiveCall
from floorapp.simulate.queue import QueueModel


class ScriptedFloor(QueueModel):
    """The queue model with the back-dated calls and scripts the warm start uses."""

    def _just_freed(self, ag: LiveAgent, since: datetime) -> None:
        """Available since ``since``, after a call: without one the feed's last word would
        be the login or an old break, and the board would show them idle for an hour."""
        ended = since - self._s(self.rng.uniform(20, 60))
        self._past_call(ag, ended, complaint=False, negative=False, close_acw=False)
        self._set(ag, "available", since)

    def _past_call(
        self,
        ag: LiveAgent,
        ended: datetime,
        *,
        complaint: bool,
        negative: bool,
        minutes: float | None = None,
        close_acw: bool = True,
    ) -> LiveCall:
        """A call the agent finished before the simulation started (back-dated events)."""
        rng = self.rng
        talk = (minutes or rng.uniform(2, 7)) * 60
        answered = ended - self._s(talk)
        call = self._new_call(answered - self._s(rng.uniform(5, 40)), ag.a.team, sensitive=False)
        self._emit(
            call.offered, "call_offered", call=call.id, queue=call.queue, customer=call.customer
        )
        self._emit(
            answered,
            "call_answered",
            call=call.id,
            agent=ag.a.id,
            hold_seconds=int((answered - call.offered).total_seconds()),
        )
        if negative:
            self._emit(
                answered + self._s(talk / 2), "call_update", call=call.id, negative_sentiment=True
            )
        self._emit(
            ended,
            "call_ended",
            call=call.id,
            agent=ag.a.id,
            outcome="completed",
            talk_seconds=int(talk),
            satisfaction=1 if complaint or negative else 4,
            effort=5 if complaint or negative else 2,
            complaint=complaint or None,
            negative_sentiment=negative or None,
            after_call=True,
        )
        self._emit(ended, "state", agent=ag.a.id, state="after_call")
        if close_acw:
            self._emit(
                ended + self._s(rng.uniform(20, 60)), "state", agent=ag.a.id, state="available"
            )
        else:
            ag.state, ag.since = "after_call", ended
        call.done = True
        return call

    def _script(
        self,
        cast: dict[str, LiveAgent],
        ago: Callable[[float], datetime],
        after: Callable[[float], datetime],
    ) -> None:
        """The situations that make every rule fire in the first ten minutes."""
        rng = self.rng

        def live_call(
            ag: LiveAgent, answered: datetime, sensitive: bool = False, customer: str | None = None
        ) -> LiveCall:
            call = self._new_call(
                answered - self._s(rng.uniform(5, 40)),
                ag.a.team,
                sensitive=sensitive,
                customer=customer,
            )
            self._emit(
                call.offered, "call_offered", call=call.id, queue=call.queue, customer=call.customer
            )
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
            self._at(
                after(rng.uniform(2, 3)),
                self._end_call(call, ag, acw_s=rng.uniform(6.5 * 60, 8 * 60)),
            )

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
            for k, at in (
                (1, rng.uniform(0.5, 1.5)),
                (2, rng.uniform(2, 3)),
                (3, rng.uniform(3.5, 5)),
            ):
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
            self._at(
                after(rng.uniform(2, 4)),
                self._raise_hand(
                    ag, call, "customer demands a manager, will not accept the tariff explanation"
                ),
            )
            self._at(after(rng.uniform(9, 12)), self._end_call(call, ag))

        if (ag := cast.get("escalation")) is not None:
            call = live_call(ag, ago(rng.uniform(1, 3)))
            self._at(after(rng.uniform(4, 6)), self._end_call(call, ag))

            def esc(ts: datetime, ag: LiveAgent = ag, call: LiveCall = call) -> None:
                self._escalate(
                    ag, call, ts, reason=ESCALATION_REASONS[0], tier=2, severity="medium"
                )

            self._at(after(rng.uniform(3, 4)), esc)

        if (ag := cast.get("sensitive")) is not None and self.roster.sensitive_customers:
            # A sensitive customer rings from a number the IVR does not know, so the ACD
            # routes them as anyone: to this (undesignated) agent as they come free from
            # their current call. Holding the agent idle for it would leave them
            # "available" on the board beside a waiting queue.
            call = live_call(ag, ago(rng.uniform(2, 4)))
            self._at(
                after(rng.uniform(0.8, 2)), self._end_call(call, ag, acw_s=rng.uniform(15, 40))
            )
            customer = self.roster.sensitive_customers[0]
            talk_s = rng.uniform(5, 9) * 60

            def sensitive_call(
                ts: datetime, ag: LiveAgent = ag, customer: str = customer, talk_s: float = talk_s
            ) -> None:
                call = self._new_call(ts, ag.a.team, sensitive=True, customer=customer)
                self._emit(
                    ts, "call_offered", call=call.id, queue=call.queue, customer=call.customer
                )
                self._set(ag, "available", ts)
                self._ring(call, ag, ts + self._s(self.rng.uniform(2, 6)), talk_s=talk_s)

            ag.on_free = sensitive_call
