"""sync_runs.seen_at: the running process's heartbeat

A process killed during a sync left its run "running" forever. The running process now records
a heartbeat, and a run silent for a few minutes is marked failed (bot/sync/runs.py). Runs
stored before have none: they are judged by their start.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("seen_at")
