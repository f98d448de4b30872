"""product search: tokens, denormalised price and stock, FTS5 (SQLite) / GIN (PostgreSQL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    # External-content FTS5 over products.search_terms; tokens are pre-split by the application,
    # so unicode61 only has to cut at spaces (no diacritics folding: the app normalises).
    "CREATE VIRTUAL TABLE products_fts USING fts5(search_terms, content='products', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0\")",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, search_terms) "
    "VALUES ('delete', old.id, old.search_terms); END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF search_terms ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, search_terms) "
    "VALUES ('delete', old.id, old.search_terms); "
    "INSERT INTO products_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END",
    "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("price_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(
            sa.Column("in_stock", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("search_terms", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_index("ix_products_price_minor", ["price_minor"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        op.execute(
            "CREATE INDEX ix_products_search ON products "
            "USING GIN (to_tsvector('simple', search_terms))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("products_fts_insert", "products_fts_delete", "products_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_products_search")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_price_minor")
        batch_op.drop_column("search_terms")
        batch_op.drop_column("in_stock")
        batch_op.drop_column("price_currency")
        batch_op.drop_column("price_minor")
