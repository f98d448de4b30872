"""What autogenerate and the schema test compare: not the search structures that only the
hand-written migrations 0003-0008 describe (FTS5 tables on SQLite; on PostgreSQL the
search_postings table, and in older revisions a generated tsvector column and GIN indexes)."""

from __future__ import annotations

UNMODELLED = ("products_fts", "ix_products_search", "search_vector", "search_postings")


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, other: object
) -> bool:
    return not (name or "").startswith(UNMODELLED)
