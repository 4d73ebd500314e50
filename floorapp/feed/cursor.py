"""Where a followed feed was read up to (``feed_cursor``), saved with the batch it covers.

The position is written in the same transaction as the events read before it, so
after a crash or a restart the feed resumes exactly after the last committed event:
nothing is lost and nothing is applied twice. Besides the byte offset it holds what
makes the resume exact rather than approximately right:

* ``fingerprint``: a hash of the file's first bytes, so a file that was truncated and
  refilled, or re-created on a reused inode, while nothing followed it is not resumed
  at an offset that belongs to another file;
* ``key_horizon``, ``replay_offset``/``replay_line_no``: the idempotency keys' memory
  of repeated lines (``keys.OccurrenceKeys``) is rebuilt by parsing again, without
  storing, the lines from ``replay_offset`` up to ``offset``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from db.engine import read_tx
from db.models import FeedCursor
from db.upsert import upsert


@dataclass(frozen=True, slots=True)
class FeedPosition:
    source: str
    file_id: str | None  # "device:inode" of the file the offset belongs to
    offset: int  # bytes consumed: the next read starts here
    line_no: int  # lines consumed in that file
    fingerprint: str | None = None  # "N:hex" hash of the file's first N bytes
    key_horizon: int | None = None  # the latest second the key memory has seen
    replay_offset: int | None = None  # where the lines it remembers start (<= offset)
    replay_line_no: int | None = None  # lines before replay_offset


_COLS = (
    "file_id",
    "offset",
    "line_no",
    "fingerprint",
    "key_horizon",
    "replay_offset",
    "replay_line_no",
)


def load_position(engine: Engine, source: str) -> FeedPosition | None:
    c = FeedCursor.__table__.c
    with read_tx(engine) as conn:
        row = conn.execute(select(*(c[n] for n in _COLS)).where(c.source == source)).first()
    if row is None:
        return None
    return FeedPosition(
        source,
        row.file_id,
        int(row.offset),
        int(row.line_no),
        row.fingerprint,
        row.key_horizon,
        row.replay_offset,
        row.replay_line_no,
    )


def save_position(conn: Connection, pos: FeedPosition, now: datetime) -> None:
    conn.execute(
        upsert(conn, FeedCursor, ["source"], [*_COLS, "updated_at"]),
        {
            "source": pos.source,
            "file_id": pos.file_id,
            "offset": pos.offset,
            "line_no": pos.line_no,
            "fingerprint": pos.fingerprint,
            "key_horizon": pos.key_horizon,
            "replay_offset": pos.replay_offset,
            "replay_line_no": pos.replay_line_no,
            "updated_at": now,
        },
    )
