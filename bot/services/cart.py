"""The shopper's cart: variants and quantities, priced from the catalog as it is now.

Each line remembers the price the shopper saw when adding it, so a change since (the marketplace
raised or cut it, a promotion ended) is shown, never slipped into the total unannounced. A variant
that vanished or sold out stays in the cart, marked, and is left out of the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import models
from bot.db import one_of
from bot.services.products import marketplace_title
from integrations.money import Money
from integrations.types import Availability

MAX_QUANTITY = 99  # per line: more is a wholesale order, not a cart
MAX_LINES = 30


class Reason(StrEnum):
    QUANTITY = "quantity"  # not a whole number between 1 and MAX_QUANTITY
    NO_SUCH_VARIANT = "no_such_variant"
    UNAVAILABLE = "unavailable"  # sold out or gone from the marketplace
    NO_SUCH_LINE = "no_such_line"
    FULL = "full"  # MAX_LINES reached


class CartError(ValueError):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Item:
    line_id: int
    product_id: int
    sku_id: int
    marketplace: str
    marketplace_title: str
    external_id: str
    title: str
    variant: str  # "color: 红色, size: M": the seller's words, kept on the order for the buyer
    url: str | None
    quantity: int
    seen: Money  # per unit, when added
    unit: Money | None  # per unit now; None when the variant has no offer any more
    available: bool
    weight_grams: int | None
    category: str
    seller: str
    checked_at: datetime  # when the catalog last heard from the marketplace
    attributes: Mapping[str, str] = field(default_factory=dict)  # the variant's, as stored

    @property
    def changed(self) -> bool:
        return self.unit is not None and self.unit != self.seen

    @property
    def amount(self) -> Money | None:
        return None if self.unit is None or not self.available else self.unit * self.quantity


@dataclass(frozen=True, slots=True)
class Cart:
    items: tuple[Item, ...]

    @property
    def buyable(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.amount is not None)

    @property
    def changed(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.changed)

    def subtotal(self) -> Money | None:
        """The buyable lines' total (in the marketplace currency); None for an empty cart."""
        amounts = [i.amount for i in self.buyable if i.amount is not None]
        if not amounts:
            return None
        total = Money.zero(amounts[0].currency)
        for amount in amounts:
            total = total + amount
        return total


def _quantity(quantity: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise CartError(Reason.QUANTITY)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise CartError(Reason.QUANTITY)
    return quantity


def price_now(sku: models.Sku, at: datetime) -> Money | None:
    offer = sku.offer
    if offer is None:
        return None
    minor = offer.price_minor
    promo = offer.promo_price_minor
    if promo is not None and (
        (offer.promo_starts_at is None or offer.promo_starts_at <= at)
        and (offer.promo_ends_at is None or at < offer.promo_ends_at)
    ):
        minor = promo
    return Money.of_minor(minor, offer.currency)


def buyable(sku: models.Sku) -> bool:
    return (
        sku.available
        and sku.product.available
        and sku.availability != Availability.OUT_OF_STOCK
        and sku.offer is not None
    )


async def add(
    session: AsyncSession, user_id: int, sku_id: int, quantity: int = 1
) -> models.CartLine:
    """Put `quantity` of a variant in the cart (added to what is there, up to MAX_QUANTITY)."""
    quantity = _quantity(quantity)
    sku = await session.get(
        models.Sku,
        sku_id,
        options=[selectinload(models.Sku.offer), selectinload(models.Sku.product)],
    )
    if sku is None:
        raise CartError(Reason.NO_SUCH_VARIANT)
    if not buyable(sku):
        raise CartError(Reason.UNAVAILABLE)
    price = price_now(sku, datetime.now(UTC))
    assert price is not None
    line = await session.scalar(
        select(models.CartLine).where(
            models.CartLine.user_id == user_id, models.CartLine.sku_id == sku_id
        )
    )
    if line is None:
        count = await session.scalar(select(func.count()).where(models.CartLine.user_id == user_id))
        if (count or 0) >= MAX_LINES:
            raise CartError(Reason.FULL)
        line = models.CartLine(
            user_id=user_id, product_id=sku.product_id, sku_id=sku_id, quantity=quantity,
            seen_price_minor=price.minor(), currency=price.currency,
        )  # fmt: skip
        session.add(line)
    else:
        line.quantity = min(MAX_QUANTITY, line.quantity + quantity)
        line.seen_price_minor, line.currency = price.minor(), price.currency
    await session.flush()
    return line


async def still_for_sale(session: AsyncSession, sku_ids: list[int | None]) -> bool:
    """Whether every one of these variants can still be bought (none vanished or sold out)."""
    if not sku_ids or None in sku_ids:
        return False
    found = await session.execute(
        select(models.Sku)
        .where(models.Sku.id.in_([i for i in sku_ids if i is not None]))
        .options(selectinload(models.Sku.offer), selectinload(models.Sku.product))
    )
    skus = list(found.scalars())
    return len(skus) == len(set(sku_ids)) and all(buyable(sku) for sku in skus)


async def _line(session: AsyncSession, user_id: int, line_id: int) -> models.CartLine:
    line = await session.get(models.CartLine, line_id) if 0 < line_id < 2**63 else None
    if line is None or line.user_id != user_id:
        raise CartError(Reason.NO_SUCH_LINE)
    return line


async def set_quantity(session: AsyncSession, user_id: int, line_id: int, quantity: int) -> None:
    """Change a line's quantity; 0 removes it."""
    line = await _line(session, user_id, line_id)
    if quantity == 0:
        await session.delete(line)
    else:
        line.quantity = _quantity(quantity)
    await session.flush()


async def remove(session: AsyncSession, user_id: int, line_id: int) -> None:
    await session.delete(await _line(session, user_id, line_id))
    await session.flush()


async def acknowledge(session: AsyncSession, user_id: int) -> None:
    """The shopper has seen today's prices: they become the prices differences are told from."""
    at = datetime.now(UTC)
    for line in await _rows(session, user_id):
        price = price_now(line.sku, at)
        if price is not None:
            line.seen_price_minor, line.currency = price.minor(), price.currency
    await session.flush()


async def take_bought(session: AsyncSession, order_ids: list[int]) -> None:
    """Remove from their shoppers' carts what these orders bought: two statements for any
    number of orders (lines left with nothing deleted, the others less what was bought: each
    judged by what it held before either statement ran)."""
    if not order_ids:
        return
    lines, bought, orders = (
        cast(Table, m.__table__) for m in (models.CartLine, models.OrderLine, models.Order)
    )
    of_line = (
        select(func.sum(bought.c.quantity))
        .join_from(bought, orders, orders.c.id == bought.c.order_id)
        .where(
            one_of(session, orders.c.id, order_ids),
            orders.c.user_id == lines.c.user_id,
            bought.c.sku_id == lines.c.sku_id,
        )
        .scalar_subquery()
    )
    shoppers = select(orders.c.user_id).where(one_of(session, orders.c.id, order_ids))
    mine = lines.c.user_id.in_(shoppers)
    await session.execute(delete(lines).where(mine, lines.c.quantity - of_line <= 0))
    await session.execute(
        update(lines)
        .where(mine, lines.c.quantity - of_line > 0)
        .values(quantity=lines.c.quantity - of_line)
    )


async def clear(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(models.CartLine).where(models.CartLine.user_id == user_id))


async def _rows(session: AsyncSession, user_id: int) -> list[models.CartLine]:
    found = await session.execute(
        select(models.CartLine)
        .where(models.CartLine.user_id == user_id)
        .order_by(models.CartLine.id)
        .options(
            selectinload(models.CartLine.sku).selectinload(models.Sku.offer),
            selectinload(models.CartLine.sku).selectinload(models.Sku.product),
        )
    )
    return list(found.scalars())


async def view(session: AsyncSession, user_id: int) -> Cart:
    """The cart priced from the catalog now, in the order lines were added."""
    at = datetime.now(UTC)
    items = []
    for line in await _rows(session, user_id):
        sku, product = line.sku, line.sku.product
        items.append(
            Item(
                line_id=line.id, product_id=product.id, sku_id=sku.id,
                marketplace=product.marketplace,
                marketplace_title=marketplace_title(product.marketplace),
                external_id=product.external_id, title=product.title,
                variant=", ".join(f"{k}: {v}" for k, v in sorted(sku.attributes.items())),
                url=product.url, quantity=line.quantity,
                seen=Money.of_minor(line.seen_price_minor, line.currency),
                unit=price_now(sku, at), available=buyable(sku),
                weight_grams=sku.weight_grams, category=product.category, seller=product.seller,
                checked_at=product.synced_at, attributes=dict(sku.attributes),
            )
        )  # fmt: skip
    return Cart(tuple(items))
