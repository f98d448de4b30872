"""communities, deals, deal_touches, watches, digest_items; orders.deal_id

The sharing half: the groups and channels the bot is in and their settings, the deals their
admins post (a draft until placed), who came through each (first touch, once per shopper and
deal, and whether they then carted), the deal an order is credited to, shoppers' price and
stock watches, and what each community's digest showed.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
When = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _fk(table: str, column: str, target: str, key: str, ondelete: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.{key}", ondelete=ondelete,
                         name=op.f(f"fk_{table}_{column}_{target}"))  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("categories", Json, nullable=False),
        sa.Column("digest", sa.String(8), nullable=False),
        sa.Column("last_digest_at", When, nullable=True),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_table(
        "deals",
        _id(),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("community_id", sa.BigInteger(),
                  _fk("deals", "community_id", "communities", "chat_id", "CASCADE"),
                  nullable=True),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", BigId, _fk("deals", "product_id", "products", "id", "CASCADE"),
                  nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.UniqueConstraint("code", name=op.f("uq_deals_code")),
    )  # fmt: skip
    op.create_index("ix_deals_community_product", "deals", ["community_id", "product_id"])
    op.create_index(op.f("ix_deals_admin_id"), "deals", ["admin_id"])
    op.create_table(
        "deal_touches",
        _id(),
        sa.Column("deal_id", BigId, _fk("deal_touches", "deal_id", "deals", "id", "CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("carted_at", When, nullable=True),
        sa.UniqueConstraint("deal_id", "user_id", name=op.f("uq_deal_touches_deal_id_user_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_deal_touches_user_id"), "deal_touches", ["user_id"])
    op.create_table(
        "watches",
        _id(),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", BigId, _fk("watches", "product_id", "products", "id", "CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("base_minor", sa.BigInteger(), nullable=True),
        sa.Column("target_minor", sa.BigInteger(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("fired_at", When, nullable=True),
        sa.UniqueConstraint("user_id", "product_id", "kind",
                            name=op.f("uq_watches_user_id_product_id_kind")),
    )  # fmt: skip
    op.create_index("ix_watches_pending", "watches", ["kind", "fired_at"])
    op.create_table(
        "digest_items",
        _id(),
        sa.Column("community_id", sa.BigInteger(),
                  _fk("digest_items", "community_id", "communities", "chat_id", "CASCADE"),
                  nullable=False),
        sa.Column("product_id", BigId,
                  _fk("digest_items", "product_id", "products", "id", "CASCADE"), nullable=False),
        sa.Column("posted_at", When, nullable=False),
        sa.Column("detail", Json, nullable=False),
    )  # fmt: skip
    op.create_index("ix_digest_items_community_at", "digest_items", ["community_id", "posted_at"])
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("deal_id", BigId, nullable=True))
        orders.create_foreign_key(
            op.f("fk_orders_deal_id_deals"), "deals", ["deal_id"], ["id"], ondelete="SET NULL"
        )
        orders.create_index(op.f("ix_orders_deal_id"), ["deal_id"])


def downgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_index(op.f("ix_orders_deal_id"))
        orders.drop_constraint(op.f("fk_orders_deal_id_deals"), type_="foreignkey")
        orders.drop_column("deal_id")
    for table in ("digest_items", "watches", "deal_touches", "deals", "communities"):
        op.drop_table(table)
