"""Services: the only way the console (and later the CLI) reads and changes floor data.

Every function takes the AppContext and the acting supervisor, runs in one short
transaction, audits what it did, and hands back plain frozen dataclasses (never ORM
objects: sessions are not thread-safe and the refresh worker runs off the UI thread).
Scope checks (issue 6: a team leader acts on their own teams only) belong here.
"""

from __future__ import annotations


class ServiceError(Exception):
    """An action was refused; the message is written for the supervisor who tried it."""
