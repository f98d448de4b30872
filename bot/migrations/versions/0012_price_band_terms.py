"""products: index each product's price band beside its words

A search in a price range walked its matches newest first and checked each one's price; when
few of a common word's products are in the range, that read all of them (0.3-0.4 s at p95 at
1M products on PostgreSQL, 70-80 ms on SQLite). Each product's search_terms now end with a
token for its price band (as bot/search/tokens.py made them then), which the FTS5 table and the
postings take up through their triggers, so a range within one band is intersected with the
query's words in the index. The backfill rewrites every priced product's terms once.

Rewriting every document leaves SQLite's FTS5 index in many segments: long Chinese queries at
1M products went 3.2 -> 3.8 ms p50 and 4.5 -> 8.8 ms p95 until the index was merged again
('optimize', 10 s at 1M), which the upgrade therefore does. On PostgreSQL the products table
holds a dead version of every rewritten row until vacuumed (autovacuum does; VACUUM FULL
gives the space back).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 17:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The bands and their tokens as this revision wrote them, copied rather than imported so that
# a later change to bot/search/tokens.py cannot change what this migration does: a price below
# the i-th bound is band i, a price from the last bound up is band 3.
PRICE_BANDS = (5_000, 20_000, 100_000)
MARKER = "\ue000"  # begins every band token; no query can produce it


def _band() -> str:
    """The price band token of products.price_minor, as SQL (fixed text: the bounds are ints)."""
    cases = " ".join(
        f"WHEN price_minor < {bound} THEN '{MARKER}{i}'" for i, bound in enumerate(PRICE_BANDS)
    )
    return f"CASE {cases} ELSE '{MARKER}{len(PRICE_BANDS)}' END"


def upgrade() -> None:
    band = _band()
    op.execute(
        f"UPDATE products SET search_terms = CASE WHEN search_terms = '' THEN {band} "
        f"ELSE search_terms || ' ' || {band} END WHERE price_minor IS NOT NULL"
    )
    _merge_fts()


def _merge_fts() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO products_fts(products_fts) VALUES ('optimize')")


def downgrade() -> None:
    # the band token is the last term; every one of them starts with MARKER
    marker = MARKER
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"UPDATE products SET search_terms = rtrim(regexp_replace(search_terms, "
            f"'\\s*{marker}\\d$', '')) WHERE strpos(search_terms, '{marker}') > 0"
        )
    else:
        op.execute(
            "UPDATE products SET search_terms = rtrim(substr(search_terms, 1, "
            f"instr(search_terms, '{marker}') - 1)) WHERE instr(search_terms, '{marker}') > 0"
        )
    _merge_fts()
