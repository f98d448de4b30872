"""products, sync_runs, leases: feed sources recorded without credentials

A feed source was recorded as its whole URL ("feed:https://user:pass@shop.example/feed?token=
..."): in products.source, sync_runs.source and /metrics labels. Sources are now recorded without
the user, password and query values, with a short digest of the whole URL so that feeds that
differ only there stay apart (bot/sync/sources.py: source_name); this rewrites what is stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 15:00:00
"""

import hashlib
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("products", "sync_runs")


def _name(spec: str) -> str:
    """source_name as this revision wrote it (a copy: later changes must not change this)."""
    location = spec.removeprefix("feed:")
    parts = urlsplit(location)
    if location == spec or parts.scheme not in ("http", "https") or not parts.hostname:
        return spec[:255]
    if parts.username is None and parts.password is None and not parts.query:
        return spec[:255]
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    query = "&".join(f"{key}=***" for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    digest = hashlib.blake2b(spec.encode(), digest_size=4).hexdigest()
    return f"feed:{urlunsplit((parts.scheme, host, parts.path, query, ''))}#{digest}"[:255]


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        sources = bind.execute(
            sa.text(f"SELECT DISTINCT source FROM {table} WHERE source LIKE 'feed:http%'")  # noqa: S608
        ).scalars()
        for source in list(sources):
            name = _name(source)
            if name != source:
                bind.execute(
                    sa.text(f"UPDATE {table} SET source = :name WHERE source = :source"),  # noqa: S608
                    {"name": name, "source": source},
                )
    # Leases named after such a source carry the credentials too; they are taken again under
    # the new name (a lease is only ever held for a while).
    leases = bind.execute(sa.text("SELECT name FROM leases WHERE name LIKE 'sync:feed:http%'"))
    for (lease,) in list(leases):
        if _name(lease.removeprefix("sync:")) != lease.removeprefix("sync:"):
            bind.execute(sa.text("DELETE FROM leases WHERE name = :name"), {"name": lease})


def downgrade() -> None:
    pass  # the credentials are gone; sources keep their names without them
