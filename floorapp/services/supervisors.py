"""Supervisors as the console needs them: the assign picker and who may override."""

from __future__ import annotations

from sqlalchemy import Engine

from floorapp import supervisors
from floorapp.identity import Actor, load_actor
from floorapp.supervisors import SupervisorInfo


def list_supervisors(engine: Engine, *, active_only: bool = True) -> list[SupervisorInfo]:
    """By name, as the console offers them."""
    return supervisors.list_supervisors(engine, include_inactive=not active_only, order="name")


def actor_of(engine: Engine, who: str) -> Actor | None:
    """The supervisor record behind a login, or None when the floor does not know them."""
    return load_actor(engine, who)


def is_floor_manager(engine: Engine, who: str) -> bool:
    actor = actor_of(engine, who)
    return actor is not None and actor.is_floor_manager


def exists(engine: Engine, who: str) -> bool:
    return actor_of(engine, who) is not None
