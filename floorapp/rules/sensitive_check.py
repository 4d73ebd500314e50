"""The per-event sensitive-customer check (pure: the rules engine runs it on every answer)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

MAX_NAMES = 8


def is_sensitive(customer_id: str | None, marked: bool, sensitive_ids: Collection[str]) -> bool:
    return marked or (customer_id is not None and customer_id in sensitive_ids)


def available_names_text(names: Sequence[str]) -> str:
    """The sentence a flag carries: which designated agents could take the customer now."""
    if not names:
        return "no designated agent is available now"
    shown = ", ".join(sorted(names)[:MAX_NAMES])
    more = f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
    return f"designated agents available now: {shown}{more}"
