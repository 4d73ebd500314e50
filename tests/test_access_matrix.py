"""The access matrix, generated from the policy table (floorapp.policy.POLICY).

Every route through its service, as each kind of actor: the floor manager, the team leader of
the target's team, a team leader of another team, a removed supervisor, an unknown name. The
table says allowed or refused; a refusal leaves every table as it was and adds exactly one
audit row (who, what, why). On SQLite and on PostgreSQL (marker ``postgres``). A sample runs
through the CLI as a real process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, update

from db.engine import open_store, write_tx
from db.models import Escalation
from floorapp import i18n, policy
from floorapp import supervisors as sv
from floorapp.clock import ManualClock
from floorapp.commands._door import admit
from floorapp.config import Settings
from floorapp.context import AppContext
from floorapp.identity import UnknownSupervisor, resolve_actor
from floorapp.policy import POLICY, Refused, Who
from floorapp.services import (
    agent_notes,
    audit_log,
    care,
    drills,
    flag_measures,
    flags,
    nominations,
    patrols,
    plans,
    reminders,
    requests,
    shift,
    triage,
)
from floorapp.services import escalations as esc
from floorapp.services import roster as roster_svc
from floorapp.services import rules as rules_svc
from tests.access_support import ACTORS, access_floor, audit_of, snapshot
from tests.conftest import T0
from tests.test_plan_support import PLAN

ROOT = Path(__file__).resolve().parents[1]
ROSTER = "id,name,team,tier,sensitive,birthday,role\n9001,New Agent,t1,1,no,,agent\n"


@dataclass(frozen=True)
class Case:
    call: Callable[[AppContext, str], Any]
    targeted: bool = True  # acts on team t1's work (else a read scoped to the actor's teams)
    audited_as: str | None = None  # the action a refusal is audited under, when not the route's
    setup: Callable[[Engine], None] | None = None


def _at_the_limit(engine: Engine) -> None:
    with write_tx(engine) as conn:
        conn.execute(
            update(Escalation)
            .where(Escalation.id == 1)
            .values(handoffs=3, holder="lead.t1", status="claimed")
        )


def _roster_file(ctx: AppContext) -> Path:
    path = (
        Path(ctx.db_url.removeprefix("sqlite:///")).parent / "roster-new.csv"
        if ctx.db_url.startswith("sqlite")
        else Path(os.environ.get("TMPDIR", "/tmp")) / f"roster-{os.getpid()}.csv"
    )
    path.write_text(ROSTER)
    return path


def _now(ctx: AppContext) -> Any:
    return ctx.clock.now()


def _with_request(status: str) -> Callable[[Engine], None]:
    def setup(engine: Engine) -> None:
        from db.models_requests import AgentRequest

        with write_tx(engine) as conn:
            conn.execute(
                insert(AgentRequest).values(
                    id=1,
                    agent_id="a1",
                    team_id="t1",
                    category="equipment",
                    text="headset",
                    raised_at=T0,
                    ack_due=T0 + timedelta(hours=1),
                    answer_due=T0 + timedelta(days=2),
                    status=status,
                    updated_at=T0,
                )
            )

    return setup


def _with_drill(engine: Engine) -> None:
    from floorapp.plan.store import import_plan
    from tests.test_drills import HOT

    import_plan(engine, HOT, source="hot.toml", actor="boss", now=T0 - timedelta(hours=20))


CASES: dict[str, Case] = {
    "console.open": Case(
        lambda c, a: resolve_actor(c.engine, a, action="console.open", team="t1", now=_now(c))
    ),
    "status.read": Case(lambda c, a: admit(c.engine, a, "status.read", "t1", _now(c))),
    "report.read": Case(lambda c, a: admit(c.engine, a, "report.read", "t1", _now(c))),
    "rules.read": Case(
        lambda c, a: rules_svc.in_force(c.engine, settings=c.settings, actor=a, now=_now(c)),
        targeted=False,
    ),
    "sensitive.read": Case(
        lambda c, a: roster_svc.sensitive_customers(c.engine, actor=a, now=_now(c)), targeted=False
    ),
    "measures.read": Case(
        lambda c, a: flag_measures.measures_today(
            c.engine, settings=c.settings, now=_now(c), actor=a
        ),
        targeted=False,
    ),
    "flag.raise": Case(
        lambda c, a: flags.raise_observed(c.engine, "a1", "shouting", actor=a, now=c.clock.now())
    ),
    "flag.acknowledge": Case(
        lambda c, a: flags.acknowledge(c.engine, 1, actor=a, now=c.clock.now())
    ),
    "flag.step_in": Case(
        lambda c, a: flags.step_in(c.engine, 1, "coach", actor=a, now=c.clock.now())
    ),
    "flag.resolve": Case(
        lambda c, a: flags.resolve(c.engine, 1, "calmer", actor=a, now=c.clock.now())
    ),
    "escalation.open": Case(
        lambda c, a: esc.open_by_hand(
            c.engine, "a1", "wants a manager", settings=c.settings, actor=a, now=c.clock.now()
        )
    ),
    "escalation.claim": Case(lambda c, a: esc.claim(c.engine, 1, actor=a, now=c.clock.now())),
    "escalation.assign": Case(
        lambda c, a: esc.assign(
            c.engine, 1, "boss", settings=c.settings, actor=a, now=c.clock.now()
        )
    ),
    "escalation.next_tier": Case(
        lambda c, a: esc.next_tier(c.engine, 1, settings=c.settings, actor=a, now=c.clock.now())
    ),
    "escalation.handoff_override": Case(
        lambda c, a: esc.next_tier(
            c.engine,
            1,
            override_reason="legal asked",
            settings=c.settings,
            actor=a,
            now=c.clock.now(),
        ),
        audited_as="escalation.next_tier",
        setup=_at_the_limit,
    ),
    "escalation.resolve": Case(
        lambda c, a: esc.resolve(c.engine, 1, "refunded", actor=a, now=c.clock.now())
    ),
    "escalation.note": Case(
        lambda c, a: esc.add_note(c.engine, 1, "called back", actor=a, now=c.clock.now())
    ),
    "escalation.history": Case(lambda c, a: esc.history(c.engine, 1, actor=a, now=c.clock.now())),
    "reminders.read": Case(
        lambda c, a: reminders.listing(c.engine, actor=a, now=_now(c)), targeted=False
    ),
    "reminder.done": Case(lambda c, a: reminders.done(c.engine, 1, actor=a, now=_now(c))),
    "reminder.snooze": Case(
        lambda c, a: reminders.snooze(c.engine, 1, actor=a, now=_now(c), minutes=5)
    ),
    "reminder.skip": Case(
        lambda c, a: reminders.skip(c.engine, 1, actor=a, now=_now(c), reason="fire drill")
    ),
    "patrols.read": Case(
        lambda c, a: patrols.patrol_log(
            c.engine, now=_now(c), since=_now(c) - timedelta(hours=2), team="t1", actor=a
        )
    ),
    "patrol.record": Case(
        lambda c, a: patrols.record_patrol(c.engine, team="t1", actor=a, now=_now(c))
    ),
    "care.give": Case(
        lambda c, a: care.give_care(c.engine, actor=a, now=_now(c), item="fruit", agent_id="a1")
    ),
    "leave.record": Case(
        lambda c, a: care.record_leave(
            c.engine,
            agent_id="a1",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 6),
            actor=a,
            now=_now(c),
        )
    ),
    "plan.check": Case(
        lambda c, a: plans.check(c.engine, PLAN, actor=a, now=_now(c)), targeted=False
    ),
    "plan.read": Case(lambda c, a: plans.in_force(c.engine, actor=a, now=_now(c)), targeted=False),
    "plan.import": Case(
        lambda c, a: plans.import_plan(c.engine, PLAN, source="t.toml", actor=a, now=_now(c))
    ),
    "nominations.read": Case(
        lambda c, a: nominations.list_nominations(c.engine, actor=a, now=_now(c)), targeted=False
    ),
    "nominations.candidates": Case(
        lambda c, a: nominations.candidates(c.engine, now=_now(c), period="P", team="t1", actor=a)
    ),
    "nomination.add": Case(
        lambda c, a: nominations.nominate(
            c.engine,
            period="P",
            agent_id="a1",
            dimension="improvement",
            reason="calm",
            actor=a,
            now=_now(c),
        )
    ),
    "roster.import": Case(
        lambda c, a: roster_svc.import_roster(c.engine, _roster_file(c), actor=a, now=_now(c))
    ),
    "roster.read": Case(lambda c, a: roster_svc.listing(c.engine, actor=a, now=_now(c), team="t1")),
    "roster.designate": Case(
        lambda c, a: roster_svc.designate(c.engine, "a1", True, actor=a, now=_now(c))
    ),
    "sensitive.edit": Case(
        lambda c, a: roster_svc.add_sensitive_customers(
            c.engine, [("C-1", "shouts")], actor=a, now=_now(c)
        )
    ),
    "supervisors.read": Case(
        lambda c, a: sv.list_supervisors(c.engine, actor=a, now=_now(c)), targeted=False
    ),
    "supervisors.add": Case(
        lambda c, a: sv.add_supervisor(
            c.engine,
            sup_id="new.lead",
            name="New",
            role="team_leader",
            teams=["t1"],
            keys=[],
            actor=a,
            now=_now(c),
        )
    ),
    # Whose language: lead.t1's (the team leader of the team acts on themselves).
    "supervisor.lang": Case(
        lambda c, a: i18n.set_supervisor_lang(c.engine, "lead.t1", "zh-CN", actor=a, now=_now(c))
    ),
    "supervisors.remove": Case(
        lambda c, a: sv.remove_supervisor(c.engine, sup_id="lead.t2", actor=a, now=_now(c))
    ),
    "supervisors.keys": Case(
        lambda c, a: sv.authorized_keys_lines(c.engine, ["floorapp"], actor=a, now=_now(c))
    ),
    "audit.read": Case(
        lambda c, a: audit_log.entries(c.engine, actor=a, now=_now(c)), targeted=False
    ),
    "drills.read": Case(
        lambda c, a: drills.coverage(c.engine, actor=a, now=_now(c)), targeted=False
    ),
    "drill.result": Case(
        lambda c, a: drills.record_result(c.engine, 1, result="passed", actor=a, now=_now(c)),
        setup=_with_drill,
    ),
    "requests.read": Case(
        lambda c, a: requests.listing(c.engine, actor=a, now=_now(c)), targeted=False
    ),
    "request.record": Case(
        lambda c, a: requests.record(
            c.engine, "a1", "equipment", "headset", settings=c.settings, actor=a, now=_now(c)
        )
    ),
    "request.acknowledge": Case(
        lambda c, a: requests.acknowledge(c.engine, 1, actor=a, now=_now(c)),
        setup=_with_request("open"),
    ),
    "request.answer": Case(
        lambda c, a: requests.answer(c.engine, 1, "new one on the desk", actor=a, now=_now(c)),
        setup=_with_request("open"),
    ),
    "request.close": Case(
        lambda c, a: requests.close(c.engine, 1, actor=a, now=_now(c)),
        setup=_with_request("answered"),
    ),
    "shift.read": Case(
        lambda c, a: shift.shift_events(c.engine, settings=c.settings, actor=a, now=c.clock.now()),
        targeted=False,
    ),
    "flag.escalate": Case(lambda c, a: triage.escalate(c.engine, 1, actor=a, now=c.clock.now())),
    "agent.note": Case(
        lambda c, a: agent_notes.add_note(
            c.engine, "a1", "calmer after the break", actor=a, now=c.clock.now()
        )
    ),
}
# Actions no route reaches: the policy refuses them to everyone (checked below).
NO_ROUTE = {"audit.erase", "identity.as_other"}


def expected(action: str, who: str, targeted: bool) -> bool:
    rule = POLICY[action]
    if rule.who is Who.NOBODY or who in ("removed supervisor", "unknown name"):
        return False
    if rule.who is Who.FLOOR_MANAGER:
        return who == "floor manager"
    if rule.who is Who.SELF:  # the cases act on the team leader of the team
        return who in ("floor manager", "team leader of the team")
    return who != "team leader of another team" or not targeted


def test_every_action_in_the_table_has_a_case() -> None:
    assert set(CASES) | NO_ROUTE == set(POLICY)
    for action in NO_ROUTE:
        assert POLICY[action].who is Who.NOBODY


@pytest.fixture(scope="module")
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """One floor per backend, copied for every route (a refusal must leave it as it was)."""
    backend = request.param
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("matrix") / "template.db"
        url = f"sqlite:///{path}"
    else:
        from tests.pgcluster import create_database

        url = create_database(request.getfixturevalue("pg_admin_url"), f"matrix_tmpl_{os.getpid()}")
    engine = open_store(url)
    access_floor(engine, T0)
    engine.dispose()
    yield backend, url


_copies = 0


def _copy(backend: str, url: str, tmp: Path) -> str:
    global _copies
    if backend == "sqlite":
        target = tmp / "floor.db"
        shutil.copy(url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    import psycopg

    _copies += 1
    name = f"matrix_{os.getpid()}_{_copies}"
    base, tmpl = url.rsplit("/", 1)
    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}"')
    return f"{base}/{name}"


@pytest.mark.parametrize(
    "template", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
@pytest.mark.parametrize("action", sorted(CASES))
def test_route(template: tuple[str, str], action: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    case = CASES[action]
    outcomes = {who: expected(action, who, case.targeted) for who in ACTORS}
    refused = [who for who in ACTORS if not outcomes[who]]
    allowed = [who for who in ACTORS if outcomes[who]]
    # Every refused actor on one floor (it must not change); each allowed one on a floor of
    # their own (the first to claim or resolve would leave nothing for the next).
    for n, group in enumerate([refused, *[[who] for who in allowed]]):
        if not group:
            continue
        folder = tmp_path / str(n)
        folder.mkdir()
        url = _copy(*template, folder)
        engine = open_store(url)
        try:
            if case.setup is not None:
                case.setup(engine)
            ctx = AppContext(db_url=url, settings=Settings(), clock=ManualClock(T0), actor="?")
            ctx.__dict__["engine"] = engine
            for who in group:
                _try(ctx, engine, action, case, who, outcomes[who])
        finally:
            engine.dispose()


def _try(ctx: AppContext, engine: Engine, action: str, case: Case, who: str, allowed: bool) -> None:
    actor = ACTORS[who]
    before, audit_before = snapshot(engine), audit_of(engine)
    try:
        case.call(ctx, actor)
    except (Refused, UnknownSupervisor) as exc:
        assert not allowed, f"{action} as {who} ({actor}) refused: {exc}"
        assert snapshot(engine) == before, f"{action} as {who} changed data"
        new = audit_of(engine)[len(audit_before) :]
        assert [(a, act, o) for a, act, o, _ in new] == [
            (actor, case.audited_as or action, "refused")
        ], (who, new)
        assert new[0][3], "the audit row says why"
    else:
        assert allowed, f"{action} as {who} ({actor}) was allowed"


def test_actions_with_no_route_are_refused_to_everyone(engine: Engine, clock) -> None:
    access_floor(engine, clock.now())
    with engine.connect() as conn:
        for action in NO_ROUTE:
            for actor in ACTORS.values():
                with pytest.raises(policy.NotAllowed, match="nobody may"):
                    policy.check(conn, action, actor)


@pytest.mark.parametrize(
    "argv,actor,code",
    [
        (["supervisors", "add", "lead.t1", "--role", "floor_manager"], "lead.t1", 1),
        (["supervisors", "add", "new.lead", "--team", "t1"], "boss", 0),
        (["roster", "designate", "b1"], "lead.t1", 1),
        (["roster", "designate", "a1"], "lead.t1", 0),
        (["reminders", "done", "1"], "lead.t2", 1),
        (["reminders", "done", "1"], "gone", 1),
        (["audit"], "stranger", 1),
        (["supervisors", "set", "lead.t2", "--lang", "zh-CN"], "lead.t1", 1),
        (["supervisors", "set", "lead.t1", "--lang", "zh-CN"], "lead.t1", 0),
        (["supervisors", "set", "lead.t2", "--lang", "en"], "boss", 0),
        (["audit", "--json"], "lead.t1", 0),
    ],
)
def test_a_sample_through_the_cli(
    engine: Engine, db_url: str, clock, argv: list[str], actor: str, code: int
) -> None:
    access_floor(engine, clock.now())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SSH_CONNECTION", None)
    env.pop("SSH_TTY", None)
    before, audit_before = snapshot(engine), audit_of(engine)
    r = subprocess.run(
        [sys.executable, "-m", "floorapp", "--db", db_url, "--as", actor, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == code, r.stderr
    new = audit_of(engine)[len(audit_before) :]
    if code == 1:
        assert "refused" in r.stderr
        assert snapshot(engine) == before
        assert [(a, o) for a, _act, o, _ in new] == [(actor, "refused")]
    elif argv[0] != "audit":
        assert snapshot(engine) != before and [o for *_x, o, _d in new] == ["ok"]


@pytest.mark.parametrize(
    "argv,actor,action,allowed",
    [
        (["report", "--team", "t2", "--json"], "lead.t1", "report.read", False),
        (["report", "--json"], "stranger", "report.read", False),
        (["report", "--json"], "gone", "report.read", False),
        (["report", "--team", "t1", "--json"], "lead.t1", "report.read", True),
        (["status", "--team", "t2", "--json"], "lead.t1", "status.read", False),
        (["status", "--json"], "stranger", "status.read", False),
    ],
)
def test_the_floor_reads_through_the_cli(
    engine: Engine, db_url: str, clock, argv: list[str], actor: str, action: str, allowed: bool
) -> None:
    """``status`` and ``report`` open through one door: a refusal prints nothing on stdout,
    says why on stderr and is audited once under the route's action."""
    access_floor(engine, clock.now())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SSH_CONNECTION", None)
    env.pop("SSH_TTY", None)
    before, audit_before = snapshot(engine), audit_of(engine)
    r = subprocess.run(
        [sys.executable, "-m", "floorapp", "--db", db_url, "--as", actor, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    new = audit_of(engine)[len(audit_before) :]
    assert snapshot(engine) == before
    if allowed:
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("{") and new == []
    else:
        assert r.returncode == 1 and r.stdout == ""
        assert actor in r.stderr
        assert [(a, act, o) for a, act, o, _ in new] == [(actor, action, "refused")]
