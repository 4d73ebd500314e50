"""Supervisors as the console needs them: the assign picker and who may override."""

from __future__ import annotations

from floorapp import supervisors
from floorapp.context import AppContext
from floorapp.identity import Actor, load_actor
from floorapp.supervisors import SupervisorInfo


def list_supervisors(ctx: AppContext, *, active_only: bool = True) -> list[SupervisorInfo]:
    """By name, as the console offers them."""
    return supervisors.list_supervisors(ctx.engine, include_inactive=not active_only, order="name")


def actor_of(ctx: AppContext, who: str) -> Actor | None:
    """The supervisor record behind a login, or None when the floor does not know them."""
    return load_actor(ctx.engine, who)


def is_floor_manager(ctx: AppContext, who: str) -> bool:
    actor = actor_of(ctx, who)
    return actor is not None and actor.is_floor_manager


def exists(ctx: AppContext, who: str) -> bool:
    return actor_of(ctx, who) is not None
