"""The simulated floor's vocabulary: its people, its calls, and the numbers it runs on.

Call lengths, after-call work, patience and the chances of each distress situation; the
arrival rate that keeps the floor at a target occupancy through the day; the roster the
generator simulates and its per-agent and per-call state.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
    (1 - _P_HARD) * ACW_MEDIAN_S + _P_HARD * HARD_ACW_MEDIAN_S
)
MEAN_HANDLE_S = RING_MEAN_S + MEAN_TALK_S + MEAN_ACW_S
# The day of a real inbound centre: calls build from 07:00 to a morning peak at 10-11 h,
# dip over lunch, peak again at 14-16 h and tail off through the evening; the night is
# quiet. Staffing follows the forecast only in part (shifts are hours long), so the
# occupancy of the staffed floor carries the curve: the target, by local hour (linear in
# between), is 85 % at the peaks and a little over half at night.
OCCUPANCY_BY_HOUR = (
    0.58,
    0.56,
    0.55,
    0.55,
    0.55,
    0.56,
    0.60,
    0.67,  # 00-07
    0.75,
    0.81,
    0.85,
    0.84,
    0.78,
    0.79,
    0.83,
    0.85,  # 08-15
    0.83,
    0.79,
    0.74,
    0.71,
    0.68,
    0.65,
    0.62,
    0.60,  # 16-23
)
STAFFED_RECOUNT_S = 10.0  # how often arrivals re-read how many agents take calls


def target_occupancy(local: datetime) -> float:
    """The occupancy the arrivals aim at, at this local time of day."""
    hour = local.hour + local.minute / 60 + local.second / 3600
    h = int(hour)
    frac = hour - h
    return OCCUPANCY_BY_HOUR[h] * (1 - frac) + OCCUPANCY_BY_HOUR[(h + 1) % 24] * frac


def second_after(at: datetime) -> datetime:
    """``at`` rounded up to a whole second (itself when it is one)."""
    return at if at.microsecond == 0 else at.replace(microsecond=0) + timedelta(seconds=1)


def arrival_rate(staffed: int, occupancy: float) -> float:
    """Calls a second that keep ``staffed`` agents busy ``occupancy`` of the time."""
    return occupancy * staffed / MEAN_HANDLE_S


BREAK_REASONS = (
    ("restroom", 300, 0.35),
    ("coffee", 600, 0.25),
    ("coaching", 900, 0.15),
    ("lunch", 1800, 0.25),
)
ESCALATION_REASONS = (
    "billing dispute: customer demands a refund of the 3·15 promotion charge",
    "repeat fault: broadband down for the third time this week",
    "customer threatens to call the regulator (工信部) about a contract term",
    "number porting blocked, customer says nobody calls back",
    "roaming charges the customer never agreed to",
    "a medium case the agent cannot close: needs a tier-2 specialist",
)
HAND_NOTES = (
    "customer demands a manager",
    "customer shouting, need help",
    "don't know the answer on the new tariff",
    "customer threatens media exposure",
)
OBSERVATIONS = (
    "voice raised, typing hard on the keyboard",
    "covered the microphone twice to vent",
    "long silence on the call, looks stuck",
    "flushed after the last call, needs a minute",
)
SENSITIVE_NOTES = (
    "complained to the media last 3·15",
    "regulator complaint on file",
    "repeat complaint, VIP line",
    "lawyer involved",
)


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
class LiveCall:
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
class LiveAgent:
    a: SimAgent
    state: str = "offline"
    since: datetime | None = None
    call: LiveCall | None = None
    idle_since: datetime | None = None
    next_break: datetime | None = None
    volatile: float = 1.0  # how much hostility this agent attracts/absorbs badly
    # A scripted call that takes this agent the moment they are next free (instead of
    # holding them idle for it, which the board would show beside a waiting queue).
    on_free: Action | None = None
    logged_in: datetime | None = None
