"""SQLite: FTS5 prefix indexes for words typed in part (3 to 7 characters)

Latin and Cyrillic query words of three characters or more match the words they begin
("iphone" finds "iphone15"). Without a prefix index FTS5 answers such a query by merging the
doclists of every word the prefix begins into memory before the first row: "ins" took 6.3 ms
at 1M products, against 0.3 ms with the index, which then walks newest first and stops at the
LIMIT like any whole word. Prefixes of one or two characters are not indexed: they would
double the entries of every Chinese character and pair, and shorter words typed match whole
words only (bot/search/tokens.py). At 1M products the FTS data grows from 120.7 to 125.5 MB
(265 MB with lengths 1-7) and the rebuild takes about 11 s. PostgreSQL walks a prefix's words in
its postings B-tree (0008) instead.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("products_fts_insert", "products_fts_delete", "products_fts_update")
COLUMNS = "search_terms, translated_terms"
NEW = "new.search_terms, new.translated_terms"
OLD = "old.search_terms, old.translated_terms"
PREFIXES = "3 4 5 6 7"


def _rebuild(options: str) -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS products_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE products_fts USING fts5({COLUMNS}, content='products', "
        f"content_rowid='id', tokenize=\"unicode61 remove_diacritics 0\"{options})"
    )
    op.execute(
        "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
        f"INSERT INTO products_fts(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END"
    )
    op.execute(
        "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
        f"INSERT INTO products_fts(products_fts, rowid, {COLUMNS}) "
        f"VALUES ('delete', old.id, {OLD}); END"
    )
    op.execute(
        f"CREATE TRIGGER products_fts_update AFTER UPDATE OF {COLUMNS} ON products BEGIN "
        f"INSERT INTO products_fts(products_fts, rowid, {COLUMNS}) "
        f"VALUES ('delete', old.id, {OLD}); "
        f"INSERT INTO products_fts(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END"
    )
    op.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(f", prefix='{PREFIXES}'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("")
