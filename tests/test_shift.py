"""The shift so far: today's events in time order from the records, filtered by the reader's
teams, one team and kinds; and the series behind the sparklines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, insert

from db.engine import run_write
from db.models import Call
from db.models_plan import CareLog, Patrol
from floorapp.context import AppContext
from floorapp.figures.series import shift_series
from floorapp.services import ServiceError, escalations, flags, shift, triage
from screens.shift import blocks, event_words


def _busy_morning(floor: AppContext, engine: Engine) -> None:
    clock = floor.clock
    fid = flags.open_flags(floor.engine, actor="fm.zhou")[0].id
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    flags.raise_observed(
        floor.engine, "1005", "crying after the call", actor="lead.wang", now=floor.clock.now()
    )  # T2
    clock.advance(minutes=2)  # type: ignore[attr-defined]
    triage.escalate_overdue(engine, settings=floor.settings, now=clock.now())
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    flags.resolve(
        floor.engine,
        fid,
        "took over the call, customer calmed",
        actor="lead.wang",
        now=floor.clock.now(),
    )
    escalations.next_tier(
        floor.engine, 1, settings=floor.settings, actor="lead.wang", now=floor.clock.now()
    )
    now = clock.now()
    run_write(
        engine,
        lambda c: c.execute(
            insert(Patrol),
            [
                dict(team_id="T1", supervisor_id="lead.wang", at=now, outcome="done"),
                dict(team_id="T2", supervisor_id=None, at=now, outcome="missed"),
            ],
        ),
    )
    run_write(
        engine,
        lambda c: c.execute(
            insert(CareLog).values(
                at=now,
                item="water",
                title="water for 王芳",
                team_id="T1",
                agent_id="1001",
                given_by="lead.wang",
            )
        ),
    )
    clock.advance(seconds=1)  # type: ignore[attr-defined]


def test_the_shift_lists_what_happened_in_time_order(floor: AppContext, engine: Engine) -> None:
    _busy_morning(floor, engine)
    events = shift.shift_events(
        floor.engine, settings=floor.settings, actor="fm.zhou", now=floor.clock.now()
    )
    kinds = [e.kind for e in events]
    assert [e.at for e in events] == sorted(e.at for e in events)
    for kind in (
        "flag_raised",
        "flag_to_manager",
        "flag_resolved",
        "esc_opened",
        "esc_handed_off",
        "esc_late",
        "patrol_done",
        "patrol_missed",
        "care",
    ):
        assert kind in kinds, kind
    resolved = next(e for e in events if e.kind == "flag_resolved")
    assert (resolved.agent, resolved.target_kind, resolved.agent_id) == ("王芳", "flag", "1001")
    assert "took over the call" in resolved.text
    late = [e for e in events if e.kind == "esc_late"]  # make_floor's tier 2 case, 10 min late
    assert [e.target_id for e in late] == ["2"]


def test_the_shift_filters_by_team_kind_and_the_readers_teams(
    floor: AppContext, engine: Engine
) -> None:
    _busy_morning(floor, engine)
    t2 = shift.shift_events(
        floor.engine, team="T2", settings=floor.settings, actor="fm.zhou", now=floor.clock.now()
    )
    assert t2 and {e.team_id for e in t2} == {"T2"}
    patrols = shift.shift_events(
        floor.engine,
        kinds=["patrol_done", "patrol_missed"],
        settings=floor.settings,
        actor="fm.zhou",
        now=floor.clock.now(),
    )
    assert sorted(e.kind for e in patrols) == ["patrol_done", "patrol_missed"]
    zhao = shift.shift_events(
        floor.engine, settings=floor.settings, actor="lead.zhao", now=floor.clock.now()
    )  # leads T2 alone
    assert zhao and {e.team_id for e in zhao} == {"T2"}
    with pytest.raises(ServiceError, match="not one of your teams"):
        shift.shift_events(
            floor.engine,
            team="T1",
            settings=floor.settings,
            actor="lead.zhao",
            now=floor.clock.now(),
        )


def test_series_of_waiting_service_level_and_open_flags(floor: AppContext, engine: Engine) -> None:
    now = floor.clock.now()
    calls = [
        # answered within the threshold, 25 min ago
        dict(
            id="s1",
            offered_at=now - timedelta(minutes=25, seconds=5),
            answered_at=now - timedelta(minutes=25),
            ended_at=now - timedelta(minutes=20),
            outcome="completed",
        ),
        # waited from 15 min ago and is still waiting now
        dict(
            id="s2",
            offered_at=now - timedelta(minutes=15),
            answered_at=None,
            ended_at=None,
            outcome="waiting",
        ),
    ]
    run_write(engine, lambda c: c.execute(insert(Call), calls))
    s = shift_series(
        engine, floor.settings, now, span=timedelta(minutes=30), step=timedelta(minutes=10)
    )
    assert s.ends[-1] == now and len(s.waiting) == 3
    assert s.waiting == [0, 1, 1]
    assert s.service_level[0] == 1.0
    # make_floor's flag was raised 2 min ago: open at the end of the last step only.
    assert s.open_flags == [0, 0, 1]
    assert shift_series(
        engine,
        floor.settings,
        now,
        span=timedelta(minutes=30),
        step=timedelta(minutes=10),
        teams={"T2"},
    ).open_flags == [0, 0, 0]


def test_blocks_draw_a_sparkline_as_text() -> None:
    assert blocks([0, 1, 2, None, 7]) == "▁▂▃ █"
    assert blocks([]) == "" and blocks([None]) == ""


def test_each_escalation_event_shows_the_tier_it_was_at_then(
    floor: AppContext, engine: Engine
) -> None:
    # Opened at tier 1 through the service (its history says so), then sent up to tier 2.
    esc = escalations.open_by_hand(
        floor.engine,
        "1003",
        "customer wants compensation",
        tier=1,
        severity="medium",
        settings=floor.settings,
        actor="lead.wang",
        now=floor.clock.now(),
    )
    floor.clock.advance(minutes=1)  # type: ignore[attr-defined]
    _busy_morning(floor, engine)  # make_floor's escalation 1 (no history row) goes to tier 2
    escalations.next_tier(
        floor.engine, esc.id, settings=floor.settings, actor="lead.wang", now=floor.clock.now()
    )
    escalations.next_tier(
        floor.engine, esc.id, settings=floor.settings, actor="fm.zhou", now=floor.clock.now()
    )
    floor.clock.advance(seconds=1)  # type: ignore[attr-defined]
    events = shift.shift_events(
        floor.engine, settings=floor.settings, actor="fm.zhou", now=floor.clock.now()
    )
    escs = [e for e in events if e.target_kind == "escalation"]
    tiers = [(e.kind, e.from_tier, e.tier) for e in escs if e.target_id == str(esc.id)]
    assert tiers == [("esc_opened", None, 1), ("esc_handed_off", 1, 2), ("esc_handed_off", 2, 3)]
    first = [(e.kind, e.tier) for e in escs if e.target_id == "1" and e.kind != "esc_late"]
    assert first == [("esc_opened", 1), ("esc_handed_off", 2)]
    handoff = next(e for e in escs if e.kind == "esc_handed_off")
    assert event_words(handoff).startswith("tier 1 → tier 2: #1")
