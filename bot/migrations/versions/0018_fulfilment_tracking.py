"""purchases, parcels, trackings, tracking_events, tracking_follows, blocked_chats;
orders.parcel_id, alerts.next_attempt_at and an index of a chat's alerts

The following half: the operator's buy and the seller's domestic tracking number, parcels of
consolidated orders shipped abroad, tracking numbers with their scans (one row per scan however
often a courier tells it) and who follows them, chats that blocked the bot, and the alerts'
backoff after a failed send.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete=ondelete,
                         name=op.f(f"fk_{table}_{column}_{target}"))  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "purchases",
        _id(),
        sa.Column("order_id", BigId, _fk("purchases", "order_id", "orders", "CASCADE"),
                  nullable=False),
        sa.Column("marketplace_ref", sa.String(128), nullable=False),
        sa.Column("seller_tracking", sa.String(64), nullable=True),
        sa.Column("operator_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.UniqueConstraint("order_id", name=op.f("uq_purchases_order_id")),
    )  # fmt: skip
    op.create_table(
        "trackings",
        _id(),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=True),
        sa.Column("provider", sa.String(16), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("provider_status", sa.String(64), nullable=False),
        sa.Column("provider_substatus", sa.String(64), nullable=False),
        sa.Column("last_event_at", When, nullable=True),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("next_poll_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.UniqueConstraint("number", name=op.f("uq_trackings_number")),
    )
    op.create_index("ix_trackings_next_poll_at", "trackings", ["next_poll_at"])
    op.create_table(
        "tracking_events",
        _id(),
        sa.Column("tracking_id", BigId, _fk("tracking_events", "tracking_id", "trackings",
                  "CASCADE"), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("provider_status", sa.String(64), nullable=False),
        sa.Column("provider_substatus", sa.String(64), nullable=False),
        sa.Column("occurred_at", When, nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("received_at", When, nullable=False),
        sa.UniqueConstraint("tracking_id", "key", name=op.f("uq_tracking_events_tracking_id_key")),
    )  # fmt: skip
    op.create_table(
        "tracking_follows",
        _id(),
        sa.Column("tracking_id", BigId, _fk("tracking_follows", "tracking_id", "trackings",
                  "CASCADE"), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.UniqueConstraint("tracking_id", "user_id", name=op.f("uq_tracking_follows_tracking_id_user_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_tracking_follows_user_id"), "tracking_follows", ["user_id"])
    op.create_table(
        "blocked_chats",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("at", When, nullable=False),
    )
    op.create_table(
        "parcels",
        _id(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("weight_grams", sa.Integer(), nullable=False),
        sa.Column("length_cm", sa.Integer(), nullable=False),
        sa.Column("width_cm", sa.Integer(), nullable=False),
        sa.Column("height_cm", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=True),
        sa.Column("tracking_id", BigId, _fk("parcels", "tracking_id", "trackings", "SET NULL"),
                  nullable=True),
        sa.Column("operator_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("shipped_at", When, nullable=True),
    )  # fmt: skip
    op.create_index(op.f("ix_parcels_tracking_id"), "parcels", ["tracking_id"])
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("parcel_id", BigId, nullable=True))
        orders.create_foreign_key(
            op.f("fk_orders_parcel_id_parcels"), "parcels", ["parcel_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
        orders.create_index(op.f("ix_orders_parcel_id"), ["parcel_id"])
    with op.batch_alter_table("alerts") as alerts:
        alerts.add_column(sa.Column("next_attempt_at", When, nullable=True))
    op.create_index("ix_alerts_chat_id_status", "alerts", ["chat_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_alerts_chat_id_status", "alerts")
    with op.batch_alter_table("alerts") as alerts:
        alerts.drop_column("next_attempt_at")
    with op.batch_alter_table("orders") as orders:
        orders.drop_index(op.f("ix_orders_parcel_id"))
        orders.drop_constraint(op.f("fk_orders_parcel_id_parcels"), type_="foreignkey")
        orders.drop_column("parcel_id")
    for table in ("parcels", "blocked_chats", "tracking_follows", "tracking_events", "trackings",
                  "purchases"):  # fmt: skip
        op.drop_table(table)
