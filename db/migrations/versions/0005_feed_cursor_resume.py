"""feed cursor: file fingerprint and the key memory's replay point; 64-bit offsets

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-07 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = '0005'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A cursor saved before this revision has no fingerprint: the follower then trusts
    # the inode and size as it did.
    with op.batch_alter_table('feed_cursor', schema=None) as batch_op:
        batch_op.alter_column('offset', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)
        batch_op.alter_column('line_no', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('fingerprint',
                                      sqlmodel.sql.sqltypes.AutoString(length=80),
                                      nullable=True))
        batch_op.add_column(sa.Column('key_horizon', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('replay_offset', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('replay_line_no', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('feed_cursor', schema=None) as batch_op:
        batch_op.drop_column('replay_line_no')
        batch_op.drop_column('replay_offset')
        batch_op.drop_column('key_horizon')
        batch_op.drop_column('fingerprint')
        batch_op.alter_column('line_no', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)
        batch_op.alter_column('offset', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)
