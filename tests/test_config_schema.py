"""One schema for the settings file and the plan: what `plan check` and settings loading
accept can never stop ingestion, and what they refuse is named by its path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from db.models import FeedEventRow
from db.models_plan import PlanVersion
from floorapp.cli import main
from floorapp.config import ConfigError, load_settings, settings_from_dict
from floorapp.plan import PlanError, parse_plan_text
from floorapp.rules import load_rules
from tests.test_plan_support import seed_floor

PLAN_WITH_TRIGGER = """
name = "p"
timezone = "UTC"

[[period]]
name = "P"
start = 2026-01-01T00:00:00
end = 2030-01-01T00:00:00
teams = ["t1"]

[[requirement]]
id = "r"
text = "a trigger"
trigger = {{ rule = "{rule}", threshold = {threshold} }}
"""


def feed_file(tmp_path: Path, tag: str = "c") -> Path:
    """A small JSONL feed that makes the rules engine evaluate every threshold."""

    def ev(minute: int, **fields: object) -> str:
        ts = datetime(2026, 3, 10, 9, minute, tzinfo=UTC).isoformat()
        return json.dumps({"ts": ts, **fields})

    lines = [
        ev(0, type="agent_login", agent="a1"),
        ev(1, type="call_offered", call=f"{tag}1", queue="q1"),
        ev(1, type="call_answered", call=f"{tag}1", agent="a1"),
        ev(2, type="call_update", call=f"{tag}1", refused_explanations=4, negative_sentiment=True),
        ev(
            30,
            type="call_ended",
            call=f"{tag}1",
            agent="a1",
            outcome="completed",
            talk_seconds=1740,
            complaint=True,
            after_call=True,
        ),
        ev(40, type="state", agent="a1", state="available"),
        ev(41, type="raise_hand", agent="a1", note="help"),
    ]
    path = tmp_path / f"feed-{tag}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def stored_events(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one()


# --- the plan --------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", ["nan", "inf", "-inf", "1e300", "-3", "0", "2.5"])
def test_a_plan_trigger_that_would_stop_ingestion_is_refused_by_check_and_import(
    engine: Engine,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    threshold: str,
) -> None:
    seed_floor(engine)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN_WITH_TRIGGER.format(rule="refused_explanations", threshold=threshold))
    assert main(["--db", db_url, "--as", "boss", "plan", "check", str(plan)]) == 1
    assert main(["--db", db_url, "--as", "boss", "plan", "import", str(plan)]) == 1
    out = capsys.readouterr().out
    assert out.count("requirement[0].trigger.threshold: ") == 2, out
    assert main(["--db", db_url, "ingest", str(feed_file(tmp_path))]) == 0
    assert stored_events(engine) == 7


@pytest.mark.parametrize(
    ("rule", "threshold"),
    [
        ("long_call", "1e300"),  # minutes: more than a day is not a call length
        ("no_break", "inf"),
        ("raised_hand", "3"),  # no threshold to set: the engine would refuse it at run time
    ],
)
def test_a_trigger_is_checked_against_the_rule_it_names(rule: str, threshold: str) -> None:
    with pytest.raises(PlanError) as exc:
        parse_plan_text(PLAN_WITH_TRIGGER.format(rule=rule, threshold=threshold))
    assert [i.path for i in exc.value.issues] == ["requirement[0].trigger.threshold"]


def test_a_trigger_is_checked_against_the_configured_rules(
    engine: Engine,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """hostile_streak 6 negative calls out of the configured last 5 cannot happen."""
    seed_floor(engine)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN_WITH_TRIGGER.format(rule="hostile_streak", threshold=6))
    assert main(["--db", db_url, "--as", "boss", "plan", "check", str(plan)]) == 1
    assert "requirement[0].trigger.threshold: " in capsys.readouterr().out
    config = tmp_path / "config.toml"
    config.write_text("[rules.hostile_streak]\nlast_calls = 8\n")
    assert (
        main(["--db", db_url, "--config", str(config), "--as", "boss", "plan", "check", str(plan)])
        == 0
    )


def test_a_good_trigger_is_imported_and_ingestion_runs(
    engine: Engine,
    db_url: str,
    tmp_path: Path,
) -> None:
    seed_floor(engine)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN_WITH_TRIGGER.format(rule="long_call", threshold=12.5))
    assert main(["--db", db_url, "--as", "boss", "plan", "import", str(plan)]) == 0
    assert main(["--db", db_url, "ingest", str(feed_file(tmp_path))]) == 0
    assert stored_events(engine) == 7


def test_a_stored_plan_from_an_older_release_does_not_stop_ingestion(
    engine: Engine,
    db_url: str,
    tmp_path: Path,
) -> None:
    """A plan imported before these checks may hold a trigger of nan: the configured
    threshold rules, and ingestion goes on."""
    seed_floor(engine)
    text = PLAN_WITH_TRIGGER.format(rule="long_call", threshold="nan")
    with engine.begin() as conn:
        conn.execute(
            insert(PlanVersion).values(
                name="p",
                timezone="UTC",
                source="old.toml",
                sha256="0" * 64,
                content=text,
                imported_at=datetime(2026, 3, 1, tzinfo=UTC),
                imported_by="boss",
            )
        )
    assert main(["--db", db_url, "ingest", str(feed_file(tmp_path))]) == 0
    assert stored_events(engine) == 7


@pytest.mark.parametrize(
    ("rule", "threshold"),
    [
        ("long_call", "nan"),
        ("hostile_streak", "6"),  # fits the rule alone, not the 5 last calls configured
        ("raised_hand", "1"),
    ],
)
def test_a_stored_trigger_that_no_longer_fits_leaves_ingestion_running(
    engine: Engine,
    db_url: str,
    tmp_path: Path,
    rule: str,
    threshold: str,
) -> None:
    seed_floor(engine)
    text = PLAN_WITH_TRIGGER.format(rule=rule, threshold=threshold)
    with engine.begin() as conn:
        conn.execute(
            insert(PlanVersion).values(
                name="p",
                timezone="UTC",
                source="old.toml",
                sha256=rule + "0" * 50,
                content=text,
                imported_at=datetime(2026, 3, 1, tzinfo=UTC),
                imported_by="boss",
            )
        )
    assert main(["--db", db_url, "ingest", str(feed_file(tmp_path))]) == 0
    assert stored_events(engine) == 7


def test_the_example_plans_leave_ingestion_running_through_their_periods(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """plan-517.toml once set a threshold on sensitive_customer, which has none: every
    ingest during 5·17 stopped with a config error."""
    root = Path(__file__).resolve().parents[1] / "examples"
    assert main(["--db", db_url, "roster", "import", str(root / "roster.csv")]) == 0
    for name, day in (("plan-315.toml", "2026-03-15"), ("plan-517.toml", "2026-05-17")):
        assert main(["--db", db_url, "--as", "fm.chen", "plan", "import", str(root / name)]) == 0
        feed = tmp_path / f"{name}.jsonl"
        feed.write_text(
            "\n".join(
                json.dumps({"ts": f"{day}T{h}:00:00+08:00", **ev})
                for h, ev in (
                    (10, {"type": "agent_login", "agent": "1001"}),
                    (11, {"type": "call_answered", "call": f"c-{day}", "agent": "1001"}),
                    (
                        12,
                        {
                            "type": "call_ended",
                            "call": f"c-{day}",
                            "agent": "1001",
                            "outcome": "completed",
                            "talk_seconds": 3600,
                        },
                    ),
                )
            )
            + "\n"
        )
        assert main(["--db", db_url, "ingest", str(feed)]) == 0, capsys.readouterr().err


def test_plan_messages_escape_control_characters(tmp_path: Path) -> None:
    text = (
        'name = "p"\ntimezone = "UTC"\n"evil\\u001b[2J" = 1\n'
        '[[period]]\nname = "P"\nstart = 2026-01-01\nend = 2026-01-02\nteams = ["t\\u0007"]\n'
        '[patrols]\nnormal = "\\u001b]0;pwned\\u0007"\n'
    )
    with pytest.raises(PlanError) as exc:
        parse_plan_text(text, known_teams={"t1"})
    message = str(exc.value)
    assert "\x1b" not in message and "\x07" not in message
    assert "evil\\x1b[2J" in message and "\\x1b]0;pwned\\x07" in message


def test_plan_numbers_out_of_range_are_refused_with_their_path() -> None:
    text = """
name = "p"
timezone = "UTC"
[[period]]
name = "P"
start = 2026-01-01
end = 2026-01-02
teams = ["t1"]
[[requirement]]
id = "r"
text = "t"
target = { metric = "complaint_rate", baseline = nan, target = -inf }
[care]
repeat_days = 100000000000000000
"""
    with pytest.raises(PlanError) as exc:
        parse_plan_text(text)
    paths = {i.path for i in exc.value.issues}
    assert paths == {
        "requirement[0].target.baseline",
        "requirement[0].target.target",
        "care.repeat_days",
    }


# --- the settings file -----------------------------------------------------------------


def test_an_unknown_settings_key_is_refused_like_in_the_plan() -> None:
    with pytest.raises(
        ConfigError,
        match=r"^floor\.timezon: unknown field \(expected one of: "
        r"day_start, lang, max_handoffs, timezone\)",
    ):
        settings_from_dict({"floor": {"timezon": "Asia/Shanghai"}})
    with pytest.raises(ConfigError, match=r"^colour: unknown field"):
        settings_from_dict({"colour": "blue"})


@pytest.mark.parametrize(
    ("toml", "path"),
    [
        ("[rules.long_call]\nthreshold = nan\n", "rules.long_call.threshold"),
        ("[rules.no_break]\nthreshold = inf\n", "rules.no_break.threshold"),
        ("[rules.complaint_streak]\nwindow = 1e300\n", "rules.complaint_streak.window"),
        ("[rules.hostile_streak]\nlast_calls = 100000000000\n", "rules.hostile_streak.last_calls"),
        ("[figures]\nsl_threshold = inf\n", "figures.sl_threshold"),
        ("[feed]\nmax_ahead = nan\n", "feed.max_ahead"),
        ("[deadlines.tier1]\nhigh = 1e300\n", "deadlines.tier1.high"),
        ("[deadlines.tier1]\nhigh = 100000000000\n", "deadlines.tier1.high"),
        ("[floor]\nmax_handoffs = 100000000000\n", "floor.max_handoffs"),
    ],
)
def test_settings_numbers_are_finite_and_in_range_when_the_file_is_read(
    tmp_path: Path, toml: str, path: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError) as exc:
        load_settings(config)
    assert str(exc.value).startswith(f"{path}: "), str(exc.value)


def test_a_bad_rules_threshold_stops_the_command_before_ingestion(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[rules.long_call]\nthreshold = nan\n")
    assert main(["--db", db_url, "--config", str(config), "ingest", str(feed_file(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("floorapp: config: rules.long_call.threshold: ")


def test_settings_messages_escape_control_characters() -> None:
    with pytest.raises(ConfigError) as exc:
        settings_from_dict({"floor": {"timezone": "\x1b[31mAsia/Shanghai", "x\x9by": 1}})
    message = str(exc.value)
    assert "\x1b" not in message and "\x9b" not in message
    assert "\\x1b[31mAsia/Shanghai" in message and "x\\x9by" in message


def test_every_settings_key_is_documented() -> None:
    from floorapp.config import documented_keys

    doc = (Path(__file__).resolve().parents[1] / "docs" / "config.md").read_text()
    missing = [k for k in documented_keys() if f"`{k}`" not in doc]
    assert not missing


def test_rule_thresholds_from_the_settings_and_the_plan_share_one_check() -> None:
    rules = load_rules({"long_call": {"threshold": 25}})
    assert rules["long_call"]["threshold"] == 25
    with pytest.raises(ConfigError, match=r"^rules\.long_call\.threshold: "):
        load_rules({"long_call": {"threshold": float("nan")}})
