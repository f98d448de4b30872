"""word_translations

Short catalog texts (variant values, category names) in the shoppers' languages: wanted when a
shopper is shown one while a translation provider is configured, translated once, stored.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "word_translations",
        sa.Column("source", sa.String(255), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("text", sa.String(512), nullable=True),
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("wanted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_word_translations_language", "word_translations", ["language", "text"])


def downgrade() -> None:
    op.drop_index("ix_word_translations_language", table_name="word_translations")
    op.drop_table("word_translations")
