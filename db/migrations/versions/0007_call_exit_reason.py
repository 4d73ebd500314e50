"""call.exit_reason: how an unanswered call left the queue

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-07 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = '0007'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Calls stored before carry NULL: their outcome (abandoned, timeout) still counts them.
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exit_reason',
                                      sqlmodel.sql.sqltypes.AutoString(length=20),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('exit_reason')
