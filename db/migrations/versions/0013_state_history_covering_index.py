"""agent_state_history: the (agent, time) index also holds id, state and reason

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 15:40:00

The figures read a day's state history in (agent, time) order for after-call work and
pauses. A live feed stores state changes in time order, every agent interleaved, so
reading the rows through an index on (agent, time) alone jumps to a different table page
per row; with state and reason in the index the pass reads the index only (``id`` keeps
changes at the same microsecond in the order they happened).
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agent_state_history', schema=None) as batch_op:
        batch_op.drop_index('ix_state_history_agent_at')
        batch_op.create_index('ix_state_history_agent_at',
                              ['agent_id', 'started_at', 'id', 'state', 'reason'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agent_state_history', schema=None) as batch_op:
        batch_op.drop_index('ix_state_history_agent_at')
        batch_op.create_index('ix_state_history_agent_at', ['agent_id', 'started_at'],
                              unique=False)
