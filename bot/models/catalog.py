"""The catalog's tables: products, their SKUs and current offers, price history, translated titles.

Money is integer minor units plus an ISO 4217 currency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, BigId, Json, UtcDateTime, utcnow


class Product(Base):
    """One listing on one marketplace; never deleted (orders point at it), only made unavailable."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("marketplace", "external_id"),
        # Browsing and the category tree only ask about available products (migrations 0010,
        # 0011): each category path's products newest first, or within a price range.
        Index(
            "ix_products_available_category",
            "category",
            "id",
            sqlite_where=text("available"),
            postgresql_where=text("available"),
        ),
        Index(
            "ix_products_available_category_price",
            "category",
            "price_minor",
            sqlite_where=text("available"),
            postgresql_where=text("available"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(255), default="")
    brand: Mapped[str] = mapped_column(String(128), default="")
    seller: Mapped[str] = mapped_column(String(255), default="")
    # The sync source that last delivered it ("feed:<location>", "shopify", "taobao" ...): a full
    # sync marks what its own source no longer lists as unavailable, and nothing else.
    source: Mapped[str] = mapped_column(String(255), default="", index=True)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    # Denormalised from the SKUs at write time, for search filters and sorting:
    price_minor: Mapped[int | None] = mapped_column(BigInteger, index=True)  # lowest SKU price
    price_currency: Mapped[str | None] = mapped_column(String(3))
    in_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    on_sale: Mapped[bool] = mapped_column(Boolean, default=False)  # a promotion was running
    # Tokens of the title (+ category, brand) in every script: see bot/search/tokens.py.
    search_terms: Mapped[str] = mapped_column(Text, default="")
    # Words of the title's stored translations (ProductTitle), indexed beside search_terms so a
    # query in a shopper's language finds what the dictionary does not know; kept apart
    # because a sync rewrites search_terms.
    translated_terms: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    raw: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    skus: Mapped[list[Sku]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Sku.id"
    )


class Sku(Base):
    """A variant with its own attributes, stock and (through Offer) price."""

    __tablename__ = "skus"
    __table_args__ = (UniqueConstraint("product_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    attributes: Mapped[dict[str, str]] = mapped_column(Json, default=dict)
    availability: Mapped[str] = mapped_column(String(16), default="in_stock")
    stock: Mapped[int | None] = mapped_column(Integer)
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    image_url: Mapped[str | None] = mapped_column(Text)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="skus")
    offer: Mapped[Offer | None] = relationship(
        back_populates="sku", cascade="all, delete-orphan", uselist=False
    )


class Offer(Base):
    """The current price of one SKU, with its promotion window if any."""

    __tablename__ = "offers"

    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    promo_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    promo_label: Mapped[str] = mapped_column(String(128), default="")
    promo_starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    promo_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    observed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    sku: Mapped[Sku] = relationship(back_populates="offer")


class PriceChange(Base):
    """History: one row each time a SKU's list or promotion price changed."""

    __tablename__ = "price_changes"
    __table_args__ = (Index("ix_price_changes_sku_changed", "sku_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    old_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    new_price_minor: Mapped[int] = mapped_column(BigInteger)
    old_promo_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    new_promo_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProductTitle(Base):
    """A product title in a shopper's language, translated once per version of the original."""

    __tablename__ = "product_titles"

    product_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True)  # "en", "ru", ...
    title: Mapped[str] = mapped_column(Text)
    original: Mapped[str] = mapped_column(Text)  # the title translated (retranslate on change)
    provider: Mapped[str] = mapped_column(String(32))  # "deepl", ...
    translated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WordTranslation(Base):
    """A short catalog text (a variant's value such as 酒红色, a category's name) in a shopper's
    language. Wanted (`text` None) once a shopper is shown it while a translation provider is
    configured; translated once by bot/sync/translation.py; stored for every later reader."""

    __tablename__ = "word_translations"
    __table_args__ = (Index("ix_word_translations_language", "language", "text"),)

    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    text: Mapped[str | None] = mapped_column(String(512))
    provider: Mapped[str | None] = mapped_column(String(32))
    wanted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
