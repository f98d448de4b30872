"""products: browse a category newest first, and by price, from indexes of available products

Browsing merges the newest products of each category path under the one browsed. SQLite's
index on (category) already keeps each path's products in id order (the rowid ends every
entry); PostgreSQL's does not, so the index becomes (category, id) on both. A price range
inside a category is read from a second index on (category, price_minor) when few products
fall in it: PostgreSQL walked the whole table newest first for a category with no product in
the range (0.4 s, once 22 s, at 1M products), SQLite read the whole price range (0.3-0.6 s).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _available(name: str, *columns: str) -> None:
    op.create_index(
        name,
        "products",
        list(columns),
        sqlite_where=sa.text("available"),
        postgresql_where=sa.text("available"),
    )


def upgrade() -> None:
    op.drop_index("ix_products_available_category", table_name="products")
    _available("ix_products_available_category", "category", "id")
    _available("ix_products_available_category_price", "category", "price_minor")


def downgrade() -> None:
    op.drop_index("ix_products_available_category_price", table_name="products")
    op.drop_index("ix_products_available_category", table_name="products")
    _available("ix_products_available_category", "category")
