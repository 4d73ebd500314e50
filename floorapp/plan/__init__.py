"""Guarantee-period plans: the TOML file, its validation, and its stored versions."""

from typing import TYPE_CHECKING

from floorapp import lazy

if TYPE_CHECKING:
    from floorapp.plan.loader import PlanError, PlanIssue, parse_plan, parse_plan_text
    from floorapp.plan.model import Plan
    from floorapp.plan.store import StoredPlan, active_plan, import_plan, load_plan

# Loaded on first use: the console reads plans through plan.model and plan.store and never
# needs the TOML loader and its validation schema (about a megabyte of every console).
_HOMES = {
    "PlanError": "loader",
    "PlanIssue": "loader",
    "parse_plan": "loader",
    "parse_plan_text": "loader",
    "Plan": "model",
    "StoredPlan": "store",
    "active_plan": "store",
    "import_plan": "store",
    "load_plan": "store",
}


__getattr__ = lazy.exports(__name__, _HOMES)


__all__ = [
    "Plan",
    "PlanError",
    "PlanIssue",
    "StoredPlan",
    "active_plan",
    "import_plan",
    "load_plan",
    "parse_plan",
    "parse_plan_text",
]
