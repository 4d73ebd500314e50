"""The console's live read model, by part (this package's public face is these names):

- ``views``: what the screens get (``AgentRow``, ``FloorFigures``, ``BoardDelta``);
- ``reader``: ``BoardReader``, polled once a second, made of
- ``agents`` (agents by change number, held as raw tuples and board rows) and
- ``open_items`` (open flags and escalations by watermark, counted as they change);
- ``detail``: ``agent_detail``, one agent's day.
"""

from floorapp.figures.clock import FEED_QUIET_AFTER
from floorapp.services.board.detail import AgentDetail, CallView, NoteView, agent_detail
from floorapp.services.board.reader import BoardReader
from floorapp.services.board.views import AgentRow, BoardDelta, FloorFigures, day_start

__all__ = [
    "FEED_QUIET_AFTER",
    "AgentDetail",
    "AgentRow",
    "BoardDelta",
    "BoardReader",
    "CallView",
    "FloorFigures",
    "NoteView",
    "agent_detail",
    "day_start",
]
