"""Change numbers in commit order: how a reader learns exactly what changed since it looked.

Times cannot do this. Rows are stamped with their event's time by the feed and with the wall
clock by the roster, several feeds can lag one another, and a transaction that read its clock
first can commit last: a reader that remembers "the newest stamp I saw" misses whatever
commits later with an older stamp. A counter bumped inside the writing transaction can: its
row stays locked until the transaction ends (on SQLite the whole database does), so a number
is never committed before a smaller one, and a reader that has seen change n has seen every
change up to n.
"""

from __future__ import annotations

from sqlalchemy import Connection, update

from db.models import ChangeCounter
from db.upsert import insert_ignore

AGENTS = "agent"

_counter = ChangeCounter.__table__


def next_change(conn: Connection, kind: str = AGENTS) -> int:
    """Bump and return the number of the next ``kind`` change, inside the caller's write
    transaction; every row that transaction writes carries it."""
    bump = (
        update(_counter)
        .where(_counter.c.name == kind)
        .values(n=_counter.c.n + 1)
        .returning(_counter.c.n)
    )
    n = conn.execute(bump).scalar()
    if n is None:  # the first change of its kind in this store
        conn.execute(insert_ignore(conn, ChangeCounter, ["name"]), {"name": kind, "n": 0})
        n = conn.execute(bump).scalar()
    assert n is not None  # the counter's row is there now
    return int(n)
