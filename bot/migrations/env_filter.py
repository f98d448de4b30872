"""What autogenerate and the schema test compare: not the search structures that only the
hand-written migration 0003 describes (FTS5 tables, a generated tsvector column and GIN indexes)."""

from __future__ import annotations

UNMODELLED = ("products_fts", "ix_products_search", "search_vector")


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, other: object
) -> bool:
    return not (name or "").startswith(UNMODELLED)
