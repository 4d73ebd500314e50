"""Distress rules over the live feed: the situations a team leader must hear of at once.

``build_observer(settings, clock)`` gives the ``FeedObserver`` the feed writer runs;
``load_rules(settings.rules)`` the rules in force (``RuleSet``); ``fired_today`` the
counts ``floorapp rules`` shows.
"""

from __future__ import annotations

from floorapp.rules.definitions import RULE_DEFS, RULE_NAMES, RuleConfig, RuleSet, load_rules
from floorapp.rules.engine import RulesEngine, build_observer

__all__ = [
    "RULE_DEFS",
    "RULE_NAMES",
    "RuleConfig",
    "RuleSet",
    "RulesEngine",
    "build_observer",
    "load_rules",
]
