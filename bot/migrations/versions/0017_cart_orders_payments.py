"""cart_lines, orders, order_lines, order_events, payment_events, refunds, alerts

The buying half: a cart per shopper, orders frozen at checkout with their timeline, payment
events recorded once per provider event id (a repeat is recognised, never applied twice),
refunds once per idempotency key, and the alerts outbox written with what it reports.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
When = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "cart_lines",
        _id(),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE",
                  name=op.f("fk_cart_lines_user_id_users")), nullable=False),
        sa.Column("product_id", BigId, sa.ForeignKey("products.id", ondelete="CASCADE",
                  name=op.f("fk_cart_lines_product_id_products")), nullable=False),
        sa.Column("sku_id", BigId, sa.ForeignKey("skus.id", ondelete="CASCADE",
                  name=op.f("fk_cart_lines_sku_id_skus")), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("seen_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("added_at", When, nullable=False),
        sa.UniqueConstraint("user_id", "sku_id", name=op.f("uq_cart_lines_user_id_sku_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_cart_lines_user_id"), "cart_lines", ["user_id"])
    op.create_table(
        "orders",
        _id(),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE",
                  name=op.f("fk_orders_user_id_users")), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("quote", Json, nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("shipping_line", sa.String(32), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("checkout_id", sa.String(255), nullable=True),
        sa.Column("checkout_url", sa.Text(), nullable=True),
        sa.Column("payment_ref", sa.String(255), nullable=True),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=True),
        sa.Column("paid_at", When, nullable=True),
        sa.Column("reviewed_at", When, nullable=True),
        sa.UniqueConstraint("checkout_id", name=op.f("uq_orders_checkout_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_orders_status"), "orders", ["status"])
    op.create_index("ix_orders_user_id_created_at", "orders", ["user_id", "created_at"])
    unreviewed = sa.text("status = 'paid' AND reviewed_at IS NULL")
    op.create_index(
        "ix_orders_unreviewed", "orders", ["id"],
        postgresql_where=unreviewed, sqlite_where=unreviewed,
    )  # fmt: skip
    op.create_table(
        "order_lines",
        _id(),
        sa.Column("order_id", BigId, sa.ForeignKey("orders.id", ondelete="CASCADE",
                  name=op.f("fk_order_lines_order_id_orders")), nullable=False),
        sa.Column("product_id", BigId, sa.ForeignKey("products.id", ondelete="SET NULL",
                  name=op.f("fk_order_lines_product_id_products")), nullable=True),
        sa.Column("sku_id", BigId, sa.ForeignKey("skus.id", ondelete="SET NULL",
                  name=op.f("fk_order_lines_sku_id_skus")), nullable=True),
        sa.Column("marketplace", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("variant", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )  # fmt: skip
    op.create_index(op.f("ix_order_lines_order_id"), "order_lines", ["order_id"])
    op.create_table(
        "order_events",
        _id(),
        sa.Column("order_id", BigId, sa.ForeignKey("orders.id", ondelete="CASCADE",
                  name=op.f("fk_order_events_order_id_orders")), nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", Json, nullable=False),
    )  # fmt: skip
    op.create_index(op.f("ix_order_events_order_id"), "order_events", ["order_id"])
    op.create_table(
        "payment_events",
        _id(),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("order_id", BigId, sa.ForeignKey("orders.id", ondelete="SET NULL",
                  name=op.f("fk_payment_events_order_id_orders")), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("received_at", When, nullable=False),
        sa.UniqueConstraint("provider", "event_id",
                            name=op.f("uq_payment_events_provider_event_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_payment_events_order_id"), "payment_events", ["order_id"])
    op.create_table(
        "refunds",
        _id(),
        sa.Column("order_id", BigId, sa.ForeignKey("orders.id", ondelete="CASCADE",
                  name=op.f("fk_refunds_order_id_orders")), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_refund_id", sa.String(255), nullable=True),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_refunds_idempotency_key")),
    )  # fmt: skip
    op.create_index(op.f("ix_refunds_order_id"), "refunds", ["order_id"])
    op.create_table(
        "alerts",
        _id(),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", Json, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("claimed_at", When, nullable=True),
        sa.Column("sent_at", When, nullable=True),
        sa.UniqueConstraint("key", name=op.f("uq_alerts_key")),
    )  # fmt: skip
    op.create_index("ix_alerts_status_created_at", "alerts", ["status", "created_at"])


def downgrade() -> None:
    for table in ("alerts", "refunds", "payment_events", "order_events", "order_lines", "orders",
                  "cart_lines"):  # fmt: skip
        op.drop_table(table)
