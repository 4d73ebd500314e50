"""Property: whatever numbers a settings file or a plan holds, either they are refused with
the path of a field that holds them, or a feed ingests with the rules engine running."""

from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from db.engine import open_store
from floorapp.clock import ManualClock
from floorapp.config import ConfigError, settings_from_dict
from floorapp.feed.events import Rejected
from floorapp.feed.jsonl import parse_jsonl
from floorapp.feed.writer import FeedWriter
from floorapp.plan import PlanError
from floorapp.plan.store import check_text, import_plan
from floorapp.rules import build_observer
from floorapp.rules.definitions import RULE_DEFS, RULE_NAMES
from tests.test_plan_support import seed_floor

DAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

# Values a person (or a fuzzer) may type where a number belongs: plausible ones weighted
# up, so that many examples get past the checks and reach the engine.
plausible = st.sampled_from([1, 2, 3, 4, 5, 6, 10, 12.5, 20, 30, 60, 90, 150, 600, 1440])
values = st.one_of(
    plausible,
    plausible,
    plausible,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 3, 5, 2.5, 20, 150, 1440, 1441, 10080, 10081, 1e300, -1e-300]),
    st.booleans(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4),
)
param_names = sorted({p.name for r in RULE_DEFS for p in r.params} | {"enabled", "severity"})
rules_tables = st.dictionaries(
    st.sampled_from([*RULE_NAMES, "no_such_rule"]),
    st.dictionaries(st.sampled_from(param_names), values, max_size=3),
    max_size=3,
)
settings_docs = st.fixed_dictionaries(
    {},
    optional={
        "rules": rules_tables,
        "figures": st.fixed_dictionaries(
            {}, optional={"sl_threshold": values, "min_sample": values, "short_abandon": values}
        ),
        "feed": st.fixed_dictionaries({}, optional={"max_ahead": values}),
        "flags": st.fixed_dictionaries(
            {}, optional={"ack_deadline": st.fixed_dictionaries({}, optional={"high": values})}
        ),
        "deadlines": st.fixed_dictionaries(
            {}, optional={"tier1": st.fixed_dictionaries({}, optional={"high": values})}
        ),
    },
)
triggers = st.lists(
    st.tuples(st.sampled_from([*RULE_NAMES, "no_such_rule"]), st.one_of(st.none(), values)),
    max_size=3,
)
targets = st.lists(st.tuples(values, values), max_size=2)


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    return (
        '"'
        + "".join(
            f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F or c in '"\\' else c for c in v
        )
        + '"'
    )


def plan_text(trigger_list: list[tuple[str, Any]], target_list: list[tuple[Any, Any]]) -> str:
    out = [
        'name = "fuzzed"',
        'timezone = "UTC"',
        "",
        "[[period]]",
        'name = "P"',
        "start = 2026-03-10T00:00:00",
        "end = 2026-03-11T00:00:00",
        'teams = ["t1"]',
    ]
    for i, (rule, threshold) in enumerate(trigger_list):
        thr = "" if threshold is None else f", threshold = {toml_value(threshold)}"
        out += [
            "",
            "[[requirement]]",
            f'id = "t{i}"',
            'text = "trigger"',
            f'trigger = {{ rule = "{rule}"{thr} }}',
        ]
    for i, (baseline, target) in enumerate(target_list):
        out += [
            "",
            "[[requirement]]",
            f'id = "m{i}"',
            'text = "target"',
            f'target = {{ metric = "complaint_rate", baseline = {toml_value(baseline)}, '
            f"target = {toml_value(target)} }}",
        ]
    return "\n".join(out) + "\n"


def feed_lines(tag: str) -> list[str]:
    def ev(minute: int, **fields: object) -> str:
        return json.dumps({"ts": (DAY + timedelta(minutes=minute)).isoformat(), **fields})

    call = f"call-{tag}"
    return [
        ev(0, type="agent_login", agent="a1"),
        ev(1, type="call_offered", call=call, queue="q1"),
        ev(1, type="call_answered", call=call, agent="a1"),
        ev(2, type="call_update", call=call, refused_explanations=5, negative_sentiment=True),
        ev(
            45,
            type="call_ended",
            call=call,
            agent="a1",
            outcome="completed",
            talk_seconds=2640,
            complaint=True,
            after_call=True,
        ),
        ev(50, type="raise_hand", agent="a1", note="help"),
    ]


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("fuzz") / "floor.db"
    engine = open_store(f"sqlite:///{path}")
    seed_floor(engine)
    yield engine
    engine.dispose()


_counter = itertools.count()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=settings_docs, trigger_list=triggers, target_list=targets)
def test_accepted_settings_and_plans_never_stop_ingestion(
    floor: Any,
    doc: dict[str, Any],
    trigger_list: list[tuple[str, Any]],
    target_list: list[tuple[Any, Any]],
) -> None:
    try:
        conf = settings_from_dict(doc)
    except ConfigError as exc:
        event("settings refused")
        assert exc.issues
        for issue in exc.issues:  # refused: each path is one the document holds
            assert issue.path.split(".")[0] in doc, issue
        conf = settings_from_dict({})  # the plan is still tried, on the defaults
    text = plan_text(trigger_list, target_list)
    try:
        check_text(floor, text, conf.rules)  # what `plan check` runs
    except PlanError as exc:
        event("plan refused")
        for issue in exc.issues:
            assert issue.path.startswith("requirement["), issue
            assert "\x1b" not in str(issue)
        return
    event(f"ingested with {len(trigger_list)} trigger(s)")
    import_plan(floor, text, source="fuzz.toml", actor="boss", now=DAY, rules=conf.rules)
    tag = str(next(_counter))
    clock = ManualClock(DAY + timedelta(hours=1))
    writer = FeedWriter(floor, conf, clock=clock, observers=[build_observer(conf, clock)])
    parsed = list(parse_jsonl(feed_lines(tag), "fuzz.jsonl"))
    assert not [p for p in parsed if isinstance(p, Rejected)]
    summary = writer.write(parsed)
    # The login and the raised hand repeat from one example to the next (duplicates);
    # the call is new each time.
    assert summary.rejected == 0 and summary.accepted >= 4, summary
    assert summary.accepted + summary.duplicates == len(parsed), summary
