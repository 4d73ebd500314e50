"""The per-event sensitive-customer check (pure: the rules engine runs it on every answer)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from floorapp.i18n import N_, message, render, stored

MAX_NAMES = 8


def is_sensitive(customer_id: str | None, marked: bool, sensitive_ids: Collection[str]) -> bool:
    return marked or (customer_id is not None and customer_id in sensitive_ids)


def available_names(names: Sequence[str]) -> list[Any]:
    """The part of a flag that says which designated agents could take the customer now
    (stored, worded in each reader's language: floorapp.i18n.stored)."""
    if not names:
        return message(N_("no designated agent is available now"))
    shown = ", ".join(sorted(names)[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        return message(
            N_("designated agents available now: {names} and {more} more"),
            names=shown,
            more=len(names) - MAX_NAMES,
        )
    return message(N_("designated agents available now: {names}"), names=shown)


def available_names_text(names: Sequence[str]) -> str:
    """``available_names`` as a reader reads it now."""
    return render(stored(available_names(names))) or ""
