"""flag.escalated_at/escalated_by: a flag sent to the floor manager; flag.step_in_outcome

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-07 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision: str = '0009'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_by', sqlmodel.sql.sqltypes.AutoString(length=100),
                                      nullable=True))
        batch_op.add_column(sa.Column('step_in_outcome',
                                      sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_column('step_in_outcome')
        batch_op.drop_column('escalated_by')
        batch_op.drop_column('escalated_at')
