"""fx_rates.source: which provider each currency's rate came from

The ECB has no rate for RUB, KZT, UAH, VND, AED and others the bot offers; those come from the
Bank of Russia or Open Exchange Rates. Each currency now keeps its own day and the provider
that gave it, so a shopper sees the date and the source of the rate actually used. Rows stored
before this revision all came from the ECB.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fx_rates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=32), nullable=False, server_default="ecb")
        )


def downgrade() -> None:
    with op.batch_alter_table("fx_rates", schema=None) as batch_op:
        batch_op.drop_column("source")
