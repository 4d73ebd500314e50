"""The words a team leader reads for the codes the store keeps.

The database, the feed, the config file and every ``--json`` output keep the codes
(``raised_hand``, ``in_progress``, ``floor_manager``); screens and the human-readable CLI
tables show these words instead. One place for the mapping, so the console and the CLI
never call the same thing two names. A code with no entry (a new rule, an outcome a feed
invents) still reads as words: its underscores become spaces.

The words are marked for the catalog (``N_``) and translated where they are read, so the
same mapping serves English and Chinese (docs/glossary.md says why each Chinese word).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from floorapp.i18n import MARKS, N_, _, duration, ngettext

FLAG_KINDS: dict[str, str] = {
    "long_call": N_("long call"),
    "complaint_streak": N_("complaint streak"),
    "hostile_streak": N_("hostile calls"),
    "refused_explanations": N_("refused explanations"),
    "after_call_overrun": N_("after-call overrun"),
    "no_break": N_("no break"),
    "raised_hand": N_("raised hand"),
    "observed": N_("observed"),
    "sensitive_customer": N_("sensitive customer"),
}

CALL_OUTCOMES: dict[str, str] = {
    "waiting": N_("waiting"),
    "in_progress": N_("on a call"),
    "completed": N_("completed"),
    "abandoned": N_("abandoned"),
    "timeout": N_("timed out"),
    "transferred": N_("transferred"),
}

ROLES: dict[str, str] = {
    "team_leader": N_("team leader"),
    "floor_manager": N_("floor manager"),
}

AGENT_STATES: dict[str, str] = {
    "available": N_("available"),
    "on_call": N_("on call"),
    "after_call": N_("after-call"),
    "break": N_("break"),
    "offline": N_("offline"),
}

FLAG_STATUSES: dict[str, str] = {
    "raised": N_("new"),
    "acknowledged": N_("acknowledged"),
    "stepped_in": N_("stepped in"),
    "resolved": N_("resolved"),
}

ESCALATION_ACTIONS: dict[str, str] = {
    "opened": N_("opened"),
    "claimed": N_("claimed"),
    "assigned": N_("assigned"),
    "handed_off": N_("handed off"),
    "resolved": N_("resolved"),
    "note": N_("note"),
}

# How an unanswered caller left the queue (figures' AbandonedCall.exit).
ABANDON_EXITS: dict[str, str] = {
    "abandoned": N_("hung up"),
    "exitwithkey": N_("pressed a key"),
    "timeout": N_("timed out"),
    "exitempty": N_("queue empty"),
}

# Benchmark-recognition dimensions (floorapp.plan.model.DIMENSIONS).
DIMENSIONS: dict[str, str] = {
    "hardest_escalations": N_("hardest escalations"),
    "raised_early": N_("raised problems early"),
    "sensitive_no_complaint": N_("sensitive callers, no complaint"),
    "improvement": N_("most improved"),
}


# The kinds of thing an action is taken on (the audit log's target_kind), as words.
TARGET_KINDS: dict[str, str] = {
    "agent": N_("agent"),
    "care": N_("care"),
    "customer": N_("customer"),
    "drill": N_("drill"),
    "escalation": N_("escalation"),
    "flag": N_("flag"),
    "plan": N_("plan"),
    "reminder": N_("reminder"),
    "request": N_("request"),
    "roster": N_("roster"),
    "supervisor": N_("supervisor"),
    "team": N_("team"),
}

# An agent's request by its category (db.models_requests.REQUEST_CATEGORIES).
REQUEST_CATEGORIES: dict[str, str] = {
    "equipment": N_("equipment"),
    "schedule": N_("schedule"),
    "process": N_("process"),
    "wellbeing": N_("wellbeing"),
    "other": N_("other"),
}

# Where an agent's request stands (db.models_requests.RequestStatus).
REQUEST_STATUSES: dict[str, str] = {
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "answered": N_("answered"),
    "closed": N_("closed"),
}

# How an action ended, as the audit log keeps it.
AUDIT_OUTCOMES: dict[str, str] = {
    "ok": N_("done"),
    "refused": N_("refused"),
}


# A requirement's measures (floorapp.plan.metrics.METRICS takes its labels from here).
METRICS: dict[str, str] = {
    "complaint_rate": N_("complaint rate"),
    "dissatisfaction_rate": N_("dissatisfaction rate"),
    "negative_sentiment_rate": N_("negative-sentiment rate"),
    "high_effort_rate": N_("high customer-effort rate"),
    "satisfaction_avg": N_("average satisfaction"),
}

# When a plan's care item comes round (floorapp.plan.model.CARE_ON).
CARE_ON: dict[str, str] = {
    "every_day": N_("every day"),
    "period_days": N_("on period days"),
    "dense_days": N_("on dense days"),
    "day_after_period": N_("the day after the period"),
    "never": N_("only as an alternative"),
}


def word(mapping: Mapping[str, str], code: str | None) -> str:
    """The word for ``code`` in ``mapping``; an unknown code with its underscores as spaces."""
    if code is None:
        return ""
    found = mapping.get(str(code))
    return _(found) if found is not None else str(code).replace("_", " ")


def flag_kind(code: str | None) -> str:
    return word(FLAG_KINDS, code)


def call_outcome(code: str | None) -> str:
    return word(CALL_OUTCOMES, code)


def abandon_exit(code: str) -> str:
    return word(ABANDON_EXITS, code)


def role(code: str | None) -> str:
    return word(ROLES, code)


def agent_state(code: str | None) -> str:
    return word(AGENT_STATES, code)


def flag_status(code: str | None) -> str:
    return word(FLAG_STATUSES, code)


def escalation_action(code: str | None) -> str:
    return word(ESCALATION_ACTIONS, code)


def target_kind(code: str | None) -> str:
    return word(TARGET_KINDS, code)


def audit_outcome(code: str | None) -> str:
    return word(AUDIT_OUTCOMES, code)


def team(team_id: str | None) -> str:
    """A team by its id; the feed's team for agents not on the roster, by its word."""
    from db.models import UNASSIGNED_TEAM

    if team_id == UNASSIGNED_TEAM:
        return _("unassigned")
    return team_id or ""


def request_category(code: str | None) -> str:
    return word(REQUEST_CATEGORIES, code)


def request_status(code: str | None) -> str:
    return word(REQUEST_STATUSES, code)


def request_category_code(text: str) -> str | None:
    """The category a person typed, by its code or by its word in any language (``排班``,
    ``schedule``); None when it is neither."""
    from floorapp.i18n import in_every_language

    typed = text.strip().casefold()
    for code, msgid in REQUEST_CATEGORIES.items():
        if typed == code or typed in {w.casefold() for w in in_every_language(msgid)}:
            return code
    return None


def metric(code: str | None) -> str:
    """A requirement's measure (floorapp.plan.metrics) by its words."""
    return word(METRICS, code)


def care_on(code: str | None) -> str:
    return word(CARE_ON, code)


def dimension(code: str | None) -> str:
    return word(DIMENSIONS, code)


def rule(code: str | None) -> str:
    """A distress rule by its name: the same words as the flags it raises."""
    return flag_kind(code)


def rule_thresholds(name: str, params: Mapping[str, float], units: Mapping[str, str]) -> str:
    """A rule's settings as a sentence fragment: ``3 calls of the last 5``, ``2 calls in 60 min``.

    ``units`` maps each parameter to its unit (``min``, ``calls``, ``refusals``).
    """

    def n(key: str) -> str:
        return f"{params[key]:g}"

    if not params:
        return "-"
    if name == "hostile_streak" and {"threshold", "last_calls"} <= params.keys():
        return _("{n} of the last {m} calls").format(n=n("threshold"), m=n("last_calls"))
    if name == "complaint_streak" and {"threshold", "window"} <= params.keys():
        return (
            _("{n} {unit} in {m} min")
            .format(n=n("threshold"), unit=unit_word(units.get("threshold", "")), m=n("window"))
            .replace("  ", " ")
        )
    parts = []
    for key, value in params.items():
        unit = unit_word(units.get(key, ""))
        label = "" if key == "threshold" else word(RULE_PARAMS, key) + " "
        parts.append(f"{label}{value:g} {unit}".strip())
    return _(", ").join(parts)


# The units a rule's settings are counted in (floorapp.rules.definitions).
UNITS: dict[str, str] = {
    "min": N_("min"),
    "calls": N_("calls"),
    "refusals": N_("refusals"),
    "seconds": N_("seconds"),
}

RULE_PARAMS: dict[str, str] = {
    "threshold": N_("threshold"),
    "window": N_("window"),
    "last_calls": N_("last calls"),
}


def unit_word(code: str) -> str:
    return word(UNITS, code) if code else ""


# Tiers by number, the floor's names (floorapp.services.escalations keeps the codes).
TIERS: dict[int, str] = {1: N_("tier 1"), 2: N_("tier 2"), 3: N_("complaint desk")}
# Short forms for a narrow column.
TIERS_SHORT: dict[int, str] = {1: N_("T1"), 2: N_("T2"), 3: N_("desk")}

INTERVENTIONS: dict[str, str] = {
    "take_over": N_("take over the call"),
    "transfer": N_("transfer the call"),
    "coach": N_("coach on the spot"),
    "short_break": N_("send on a short break"),
    "other": N_("other"),
}

SEVERITIES: dict[str, str] = {
    "light": N_("light"),
    "medium": N_("medium"),
    "high": N_("high"),
}

ESCALATION_STATUSES: dict[str, str] = {
    "open": N_("open"),
    "claimed": N_("claimed"),
    "resolved": N_("resolved"),
}


def tier(n: int | None) -> str:
    if n is None:
        return ""
    found = TIERS.get(n)
    return _(found) if found is not None else _("tier {n}").format(n=n)


def tier_short(n: int | None) -> str:
    if n is None:
        return ""
    found = TIERS_SHORT.get(n)
    return _(found) if found is not None else str(n)


def intervention(code: str | None) -> str:
    return word(INTERVENTIONS, code)


def severity(code: str | None) -> str:
    return word(SEVERITIES, code)


def escalation_status(code: str | None) -> str:
    return word(ESCALATION_STATUSES, code)


def count(n: int, singular: str, plural: str) -> str:
    """``n`` and its noun, singular or plural (``ngettext``): "1 hand-off", "2 hand-offs"."""
    return ngettext(singular, plural, n).format(n=n)


def trigger(text: str | None) -> str:
    """A plan trigger as the period service writes it (``refused_explanations ≥ 3``) in words."""
    if not text:
        return ""
    rule_name, sep, rest = text.partition(" ≥ ")
    if sep:
        sep = f" {MARKS.ge} "
    return f"{rule(rule_name)}{sep}{rest}"


# --- durations: the one place each way of writing a length of time is spelt --------------


def clock(seconds: float | None, *, days: bool = False) -> str:
    """A running time as a clock: ``4:05``, ``1:04:05`` (the board's timers, ``status``).

    With ``days``, a day or more reads ``2 d 3:04``: its seconds stop mattering. A negative
    time (a feed running ahead of this host's clock) reads as 0; None as nothing.
    """
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    d, s = divmod(s, 86400) if days else (0, s)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if d:
        return f"{d} d {h}:{m:02d}"
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def seconds(value: float) -> str:
    """A length under a minute in its unit word: ``17.9 s``, ``20 s`` (``17.9 秒``), the
    same in every output."""
    text = f"{value:.1f}".removesuffix(".0")
    return _("{n} s").format(n=text)


def minutes(length: timedelta, *, compact: bool = False) -> str:
    """Whole minutes, worded in the reader's language as a rule's threshold is
    (``i18n.duration``: ``45 min``, ``1 h 05 min``); compact for a narrow column, ``45m``,
    ``1h05m``."""
    m = max(0, int(length.total_seconds() // 60))
    if compact:
        return f"{m // 60}h{m % 60:02d}m" if m >= 60 else f"{m}m"
    return duration(m)
