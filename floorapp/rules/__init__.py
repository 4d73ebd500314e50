"""Distress rules over the live feed: the situations a team leader must hear of at once.

``build_observer(settings, clock)`` gives the ``FeedObserver`` the feed writer runs;
``load_rules(settings.rules)`` the rules in force (``RuleSet``); ``fired_today`` the
counts ``floorapp rules`` shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorapp import lazy

if TYPE_CHECKING:
    from floorapp.rules.definitions import (
        RULE_DEFS,
        RULE_NAMES,
        RuleConfig,
        RuleSet,
        load_rules,
    )
    from floorapp.rules.engine import RulesEngine, build_observer

# Loaded on first use: a console imports rules.sensitive_check and rules.today, never the
# engine the feed writer runs (over a megabyte of every console).
_HOMES = {
    "RULE_DEFS": "definitions",
    "RULE_NAMES": "definitions",
    "RuleConfig": "definitions",
    "RuleSet": "definitions",
    "load_rules": "definitions",
    "RulesEngine": "engine",
    "build_observer": "engine",
}


__getattr__ = lazy.exports(__name__, _HOMES)


__all__ = [
    "RULE_DEFS",
    "RULE_NAMES",
    "RuleConfig",
    "RuleSet",
    "RulesEngine",
    "build_observer",
    "load_rules",
]
