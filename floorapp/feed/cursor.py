"""Where a followed feed was read up to (``feed_cursor``), saved with the batch it covers.

The position is written in the same transaction as the events read before it, so
after a crash or a restart the feed resumes exactly after the last committed event:
nothing is lost and nothing is applied twice.
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


def load_position(engine: Engine, source: str) -> FeedPosition | None:
    with read_tx(engine) as conn:
        row = conn.execute(
            select(FeedCursor.file_id, FeedCursor.offset, FeedCursor.line_no).where(
                FeedCursor.source == source
            )
        ).first()
    if row is None:
        return None
    return FeedPosition(source, row.file_id, int(row.offset), int(row.line_no))


def save_position(conn: Connection, pos: FeedPosition, now: datetime) -> None:
    conn.execute(
        upsert(conn, FeedCursor, ["source"], ["file_id", "offset", "line_no", "updated_at"]),
        {"source": pos.source, "file_id": pos.file_id, "offset": pos.offset,
         "line_no": pos.line_no, "updated_at": now},
    )
