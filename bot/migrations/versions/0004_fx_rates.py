"""fx rates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 07:37:17.973400
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fx_rates',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('per_euro', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('currency', name=op.f('pk_fx_rates'))
    )


def downgrade() -> None:
    op.drop_table('fx_rates')
