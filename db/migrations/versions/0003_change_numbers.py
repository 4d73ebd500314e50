"""change numbers: agent.seq and change_counter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('change_counter',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    # Rows written before change numbers existed carry 0: a console's first look reads
    # every row anyway.
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_agent_seq'), ['seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_seq'))
        batch_op.drop_column('seq')
    op.drop_table('change_counter')
