"""product on_sale flag for the promotion badge in search results

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 07:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: a batch copy of products on SQLite would drop its FTS triggers.
    op.add_column(
        "products", sa.Column("on_sale", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35), for the same reason.
    op.drop_column("products", "on_sale")
