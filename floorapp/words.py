"""The words a team leader reads for the codes the store keeps.

The database, the feed, the config file and every ``--json`` output keep the codes
(``raised_hand``, ``in_progress``, ``floor_manager``); screens and the human-readable CLI
tables show these words instead. One place for the mapping, so the console and the CLI
never call the same thing two names. A code with no entry (a new rule, an outcome a feed
invents) still reads as words: its underscores become spaces.
"""

from __future__ import annotations

from collections.abc import Mapping

FLAG_KINDS: dict[str, str] = {
    "long_call": "long call",
    "complaint_streak": "complaint streak",
    "hostile_streak": "hostile calls",
    "refused_explanations": "refused explanations",
    "after_call_overrun": "after-call overrun",
    "no_break": "no break",
    "raised_hand": "raised hand",
    "observed": "observed",
    "sensitive_customer": "sensitive customer",
}

CALL_OUTCOMES: dict[str, str] = {
    "waiting": "waiting",
    "in_progress": "on a call",
    "completed": "completed",
    "abandoned": "abandoned",
    "timeout": "timed out",
    "transferred": "transferred",
}

ROLES: dict[str, str] = {
    "team_leader": "team leader",
    "floor_manager": "floor manager",
}

AGENT_STATES: dict[str, str] = {
    "available": "available",
    "on_call": "on call",
    "after_call": "after-call",
    "break": "break",
    "offline": "offline",
}

FLAG_STATUSES: dict[str, str] = {
    "raised": "new",
    "acknowledged": "acknowledged",
    "stepped_in": "stepped in",
    "resolved": "resolved",
}

ESCALATION_ACTIONS: dict[str, str] = {
    "opened": "opened",
    "claimed": "claimed",
    "assigned": "assigned",
    "handed_off": "handed off",
    "resolved": "resolved",
    "note": "note",
}

# Benchmark-recognition dimensions (floorapp.plan.model.DIMENSIONS).
DIMENSIONS: dict[str, str] = {
    "hardest_escalations": "hardest escalations",
    "raised_early": "raised problems early",
    "sensitive_no_complaint": "sensitive callers, no complaint",
    "improvement": "most improved",
}


def word(mapping: Mapping[str, str], code: str | None) -> str:
    """The word for ``code`` in ``mapping``; an unknown code with its underscores as spaces."""
    if code is None:
        return ""
    return mapping.get(str(code), str(code).replace("_", " "))


def flag_kind(code: str | None) -> str:
    return word(FLAG_KINDS, code)


def call_outcome(code: str | None) -> str:
    return word(CALL_OUTCOMES, code)


def role(code: str | None) -> str:
    return word(ROLES, code)


def agent_state(code: str | None) -> str:
    return word(AGENT_STATES, code)


def flag_status(code: str | None) -> str:
    return word(FLAG_STATUSES, code)


def escalation_action(code: str | None) -> str:
    return word(ESCALATION_ACTIONS, code)


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
        return f"{n('threshold')} of the last {n('last_calls')} calls"
    if name == "complaint_streak" and {"threshold", "window"} <= params.keys():
        return f"{n('threshold')} {units.get('threshold', '')} in {n('window')} min".replace(
            "  ", " ")
    parts = []
    for key, value in params.items():
        unit = units.get(key, "")
        label = "" if key == "threshold" else key.replace("_", " ") + " "
        parts.append(f"{label}{value:g} {unit}".strip())
    return ", ".join(parts)


def trigger(text: str | None) -> str:
    """A plan trigger as the period service writes it (``refused_explanations ≥ 3``) in words."""
    if not text:
        return ""
    rule_name, sep, rest = text.partition(" ≥ ")
    return f"{rule(rule_name)}{sep}{rest}"
