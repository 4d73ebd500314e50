"""Services: the only way the console and the CLI read and change floor data.

Every function takes the acting supervisor, asks the access policy (``floorapp.policy``)
inside the transaction that does the work, audits what it did (and any refusal), and hands
back plain frozen dataclasses (never ORM objects: sessions are not thread-safe and the
refresh worker runs off the UI thread).
"""

from __future__ import annotations


class ServiceError(Exception):
    """An action was refused; the message is written for the supervisor who tried it."""
