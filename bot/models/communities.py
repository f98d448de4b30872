"""Communities (the groups and channels the bot is in), the deals their admins post, who came
to the bot through a deal (first touch, once per shopper and deal), what shoppers watch, and
which products a community's digest showed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, BigId, Json, UtcDateTime, utcnow


class Community(Base):
    """A group, supergroup or channel the bot was added to; `active` while it is still there.
    Its admins set its language, currency, categories and digest (/settings in the group)."""

    __tablename__ = "communities"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))  # group | supergroup | channel
    title: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    categories: Mapped[list[str]] = mapped_column(Json, default=list)  # category keys; [] = all
    digest: Mapped[str] = mapped_column(String(8), default="off")  # off | daily | weekly
    last_digest_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Deal(Base):
    """A product an admin posted into a community; `code` is its deep link's (d_<code>)."""

    __tablename__ = "deals"
    __table_args__ = (Index("ix_deals_community_product", "community_id", "product_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # None: a draft an admin made in a private chat, until they choose where it goes.
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.chat_id", ondelete="CASCADE")
    )
    admin_id: Mapped[int] = mapped_column(BigInteger, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    comment: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the post, once sent
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DealTouch(Base):
    """A shopper who opened a deal's link: recorded once per shopper and deal (first touch);
    `carted_at` when they then put its product in the cart."""

    __tablename__ = "deal_touches"
    __table_args__ = (UniqueConstraint("deal_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    carted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Watch(Base):
    """A shopper waiting for a product's price to drop (to `target_minor`, or below what it was
    when watched) or for it to be back in stock; fires once (`fired_at`)."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id", "kind"),
        Index("ix_watches_pending", "kind", "fired_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # price | stock
    currency: Mapped[str] = mapped_column(String(3))  # the product's (CNY)
    base_minor: Mapped[int | None] = mapped_column(BigInteger)  # the price when watched
    target_minor: Mapped[int | None] = mapped_column(BigInteger)  # None: any drop
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DigestItem(Base):
    """A product a community's digest showed (none twice within a week)."""

    __tablename__ = "digest_items"
    __table_args__ = (Index("ix_digest_items_community_at", "community_id", "posted_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.chat_id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
