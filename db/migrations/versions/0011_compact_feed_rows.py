"""compact feed rows: sources stored once, 12-byte keys, times as microseconds

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:20:00

``feed_event``, ``agent_state_history`` and ``call`` are rebuilt (every event, every
state change and every call has a row: docs/storage.md says what each column costs). Existing rows are
converted in SQL: times to microseconds since 1970 UTC, keys to the 12 bytes that the
writer's keys now are (the first 24 hex digits of the old 32: the time and the first
64 bits of the same hash, so a line stored before still matches), sources to a
``feed_source`` id.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY_HEX = 24


def _unhex(key: str | None) -> bytes | None:
    if key is None:
        return None
    try:
        raw = bytes.fromhex(key)
    except ValueError:
        return key.encode("utf-8", "surrogatepass")
    return raw[:_KEY_HEX // 2] if len(key) == 32 else raw


def _exprs(dialect: str) -> tuple[str, str]:
    """SQL templates: a stored naive-UTC time as microseconds, a hex key as bytes."""
    if dialect == "sqlite":
        bind = op.get_bind()
        bind.connection.driver_connection.create_function(  # type: ignore[union-attr]
            "floorapp_unhex", 1, _unhex, deterministic=True)
        return ("(CAST(strftime('%s', {c}) AS INTEGER) * 1000000"
                " + CAST(substr({c}, 21, 6) AS INTEGER))", "floorapp_unhex({c})")
    if dialect == "postgresql":
        return ("CAST(round(EXTRACT(EPOCH FROM {c}) * 1000000) AS BIGINT)",
                "(CASE WHEN {c} ~ '^[0-9a-f]{{32}}$' THEN decode(substr({c}, 1, 24), 'hex')"
                " ELSE convert_to({c}, 'UTF8') END)")
    raise NotImplementedError(f"revision 0011 converts SQLite and PostgreSQL, not {dialect}")


def _carry_on_ids(table: str) -> None:
    """Rows were copied with their ids: PostgreSQL's sequence must continue after them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                   f"COALESCE((SELECT max(id) FROM {table}), 1), "
                   f"(SELECT count(*) > 0 FROM {table}))")


def _call_table(name: str, time_type: sa.types.TypeEngine) -> None:  # type: ignore[type-arg]
    op.create_table(name,
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('agent_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('offered_at', time_type, nullable=True),
    sa.Column('answered_at', time_type, nullable=True),
    sa.Column('ended_at', time_type, nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('exit_reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('hold_seconds', sa.Integer(), nullable=True),
    sa.Column('talk_seconds', sa.Integer(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('effort', sa.Integer(), nullable=True),
    sa.Column('complaint', sa.Boolean(), nullable=False),
    sa.Column('negative_sentiment', sa.Boolean(), nullable=False),
    sa.Column('refused_explanations', sa.Integer(), nullable=False),
    sa.Column('sensitive_customer', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


_CALL_INDEXES = (('ix_call_agent_offered', ['agent_id', 'offered_at']),
                 ('ix_call_offered_answered', ['offered_at', 'answered_at']),
                 ('ix_call_outcome_offered', ['outcome', 'offered_at']))


def _convert_calls(time_type: sa.types.TypeEngine, time: str) -> None:  # type: ignore[type-arg]
    """``call`` again with its three times as ``time_type``, each converted by ``time``."""
    _call_table('call_0011', time_type)
    op.execute(
        "INSERT INTO call_0011 (id, queue, customer_id, agent_id, offered_at, answered_at,"
        " ended_at, outcome, exit_reason, hold_seconds, talk_seconds, satisfaction, effort,"
        " complaint, negative_sentiment, refused_explanations, sensitive_customer)"
        " SELECT id, queue, customer_id, agent_id, " + time.format(c="offered_at") + ", "
        + time.format(c="answered_at") + ", " + time.format(c="ended_at") + ", outcome,"
        " exit_reason, hold_seconds, talk_seconds, satisfaction, effort, complaint,"
        " negative_sentiment, refused_explanations, sensitive_customer FROM call")
    with op.batch_alter_table('call', schema=None) as batch_op:
        for name, _ in _CALL_INDEXES:
            batch_op.drop_index(name)
    op.drop_table('call')
    op.rename_table('call_0011', 'call')
    with op.batch_alter_table('call', schema=None) as batch_op:
        for name, cols in _CALL_INDEXES:
            batch_op.create_index(name, cols, unique=False)


def upgrade() -> None:
    micros, unhex = _exprs(op.get_bind().dialect.name)

    op.create_table('feed_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.execute("INSERT INTO feed_source (name) SELECT DISTINCT source FROM feed_event "
               "ORDER BY source")

    op.create_table('feed_event_0011',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', db.types.HexKey(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('ts', db.types.UTCMicros(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('agent_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.execute(
        "INSERT INTO feed_event_0011 (id, key, source_id, line_no, ts, kind, agent_id, call_id,"
        " payload) SELECT e.id, " + unhex.format(c="e.key") + ", s.id, e.line_no, "
        + micros.format(c="e.ts") + ", e.kind, e.agent_id, e.call_id, e.payload"
        " FROM feed_event e LEFT JOIN feed_source s ON s.name = e.source ORDER BY e.id")
    op.drop_table('feed_event')
    op.rename_table('feed_event_0011', 'feed_event')
    _carry_on_ids('feed_event')

    op.create_table('agent_state_history_0011',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('started_at', db.types.UTCMicros(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute(
        "INSERT INTO agent_state_history_0011 (id, agent_id, state, reason, started_at)"
        " SELECT id, agent_id, state, reason, " + micros.format(c="started_at")
        + " FROM agent_state_history ORDER BY id")
    with op.batch_alter_table('agent_state_history', schema=None) as batch_op:
        batch_op.drop_index('ix_state_history_agent_at')
    op.drop_table('agent_state_history')
    op.rename_table('agent_state_history_0011', 'agent_state_history')
    _carry_on_ids('agent_state_history')
    with op.batch_alter_table('agent_state_history', schema=None) as batch_op:
        batch_op.create_index('ix_state_history_agent_at', ['agent_id', 'started_at'],
                              unique=False)

    _convert_calls(db.types.UTCMicros(), micros)


def downgrade() -> None:
    # Times and sources come back exactly; keys keep their 12 bytes (as 24 hex digits), so
    # an older release re-reading a file it stored before would store its lines again.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        text = ("(strftime('%Y-%m-%d %H:%M:%S', {c} / 1000000, 'unixepoch') || '.' || "
                "substr('000000' || ({c} % 1000000), -6, 6))")
        hexed = "lower(hex({c}))"
    else:
        text = "(TIMESTAMP '1970-01-01' + {c} * INTERVAL '1 microsecond')"
        hexed = "encode({c}, 'hex')"
    op.create_table('feed_event_0010',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('ts', db.types.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('agent_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.execute(
        "INSERT INTO feed_event_0010 (id, key, source, line_no, ts, kind, agent_id, call_id,"
        " payload) SELECT e.id, " + hexed.format(c="e.key") + ", COALESCE(s.name, ''), "
        "e.line_no, " + text.format(c="e.ts") + ", e.kind, e.agent_id, e.call_id, e.payload"
        " FROM feed_event e LEFT JOIN feed_source s ON s.id = e.source_id ORDER BY e.id")
    op.drop_table('feed_event')
    op.rename_table('feed_event_0010', 'feed_event')
    _carry_on_ids('feed_event')
    op.drop_table('feed_source')

    op.create_table('agent_state_history_0010',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('started_at', db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute(
        "INSERT INTO agent_state_history_0010 (id, agent_id, state, reason, started_at)"
        " SELECT id, agent_id, state, reason, " + text.format(c="started_at")
        + " FROM agent_state_history ORDER BY id")
    with op.batch_alter_table('agent_state_history', schema=None) as batch_op:
        batch_op.drop_index('ix_state_history_agent_at')
    op.drop_table('agent_state_history')
    op.rename_table('agent_state_history_0010', 'agent_state_history')
    _carry_on_ids('agent_state_history')
    with op.batch_alter_table('agent_state_history', schema=None) as batch_op:
        batch_op.create_index('ix_state_history_agent_at', ['agent_id', 'started_at'],
                              unique=False)

    _convert_calls(db.types.UTCDateTime(), text)
