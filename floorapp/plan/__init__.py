"""Guarantee-period plans: the TOML file, its validation, and its stored versions."""

from floorapp.plan.loader import PlanError, PlanIssue, parse_plan, parse_plan_text
from floorapp.plan.model import Plan
from floorapp.plan.store import StoredPlan, active_plan, import_plan, load_plan

__all__ = [
    "Plan", "PlanError", "PlanIssue", "StoredPlan", "active_plan", "import_plan", "load_plan",
    "parse_plan", "parse_plan_text",
]
