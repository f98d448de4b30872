"""stored title translations, and their words in the search index

product_titles keeps each product's title in the shoppers' languages (one translation per version
of the original). products.translated_terms holds their words; the search index covers it beside
search_terms: a second column of the FTS5 table on SQLite, part of the stored tsvector on
PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("products_fts_insert", "products_fts_delete", "products_fts_update")


def _sqlite_fts(columns: tuple[str, ...]) -> list[str]:
    """The external-content FTS5 table over `columns` of products, its triggers, a rebuild."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE products_fts USING fts5({names}, content='products', "
        "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0\")",
        "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
        f"INSERT INTO products_fts(rowid, {names}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
        f"INSERT INTO products_fts(products_fts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER products_fts_update AFTER UPDATE OF {names} ON products BEGIN "
        f"INSERT INTO products_fts(products_fts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO products_fts(rowid, {names}) VALUES (new.id, {new}); END",
        "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
    ]


def _drop_sqlite_fts() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS products_fts")


def _pg_vector(expression: str) -> None:
    op.execute("ALTER TABLE products DROP COLUMN IF EXISTS search_vector")  # and its index
    op.execute(
        "ALTER TABLE products ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('simple', {expression})) STORED"
    )
    op.execute("ALTER TABLE products ALTER COLUMN search_vector SET STATISTICS 10000")
    op.execute("CREATE INDEX ix_products_search_vector ON products USING GIN (search_vector)")


def upgrade() -> None:
    op.create_table(
        "product_titles",
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("translated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_titles_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "language", name=op.f("pk_product_titles")),
    )
    # Plain ALTER TABLE: a batch copy of products on SQLite would drop its FTS triggers.
    op.add_column(
        "products", sa.Column("translated_terms", sa.Text(), nullable=False, server_default="")
    )
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_fts()
        for statement in _sqlite_fts(("search_terms", "translated_terms")):
            op.execute(statement)
    else:
        _pg_vector("search_terms || ' ' || translated_terms")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_fts()
        for statement in _sqlite_fts(("search_terms",)):
            op.execute(statement)
    else:
        _pg_vector("search_terms")
    op.drop_column("products", "translated_terms")
    op.drop_table("product_titles")
