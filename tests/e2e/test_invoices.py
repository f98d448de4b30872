"""Telegram's native invoices: shipping and pre-checkout answered, the payment applied once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, update
from telegram import Update

from bot import models
from bot.config import Settings, load_settings
from bot.i18n import translator
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.telegram.app import ShopbotApplication
from tests.conftest import REDIS_URL
from tests.e2e.harness import Shopper, to_quote, until

BERLIN = {"country_code": "DE", "state": "", "city": "Berlin", "street_line1": "Karl-Marx-Allee 1",
          "street_line2": "", "post_code": "10178"}  # fmt: skip


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        _env_file=None, database_url=database_url, redis_url=REDIS_URL,
        telegram_bot_token="123456:PLAYGROUND-TOKEN", http_port=0,
        telegram_payment_provider_token="284685063:TEST:invoice",
    )  # fmt: skip


def deliver(
    app: ShopbotApplication, seen: list[dict[str, object]] | None = None
) -> Callable[[dict[str, object]], object]:
    """Hand the fake's updates to the app (and keep them in `seen`)."""

    def feed(update: dict[str, object]) -> object:
        if seen is not None:
            seen.append(update)
        return app.process_update(Update.de_json(update, app.bot))

    return feed


async def invoiced(ann: Shopper, deps: Deps, botapi: LocalBotApi) -> int:
    await to_quote(ann, deps)
    pay = next(b for b in ann.last.all_buttons if b.text.startswith("💳 Pay"))
    await ann.press(pay.text, ann.last)
    invoice = ann.api.messages(ann.chat_id)[-1]
    assert invoice.invoice is not None and invoice.invoice["currency"] == "EUR"
    return invoice.message_id


async def test_an_invoice_paid_in_telegram_pays_the_order_once(
    shopper: Callable[..., Shopper], deps: Deps, botapi: LocalBotApi, app: ShopbotApplication
) -> None:
    ann = shopper("en")
    message_id = await invoiced(ann, deps, botapi)
    async with deps.sessions() as s:
        order = await s.scalar(select(models.Order))
        assert order is not None and order.provider == "telegram"
    seen: list[dict[str, object]] = []
    outcome = await botapi.pay_invoice(
        ann.user, message_id, shipping_address=BERLIN, phone="+491701234567", name="Ann Example",
        deliver=deliver(app, seen),
    )  # fmt: skip
    assert outcome.paid and outcome.total_amount == order.total_minor
    assert outcome.shipping_option_id == "standard"
    await until(lambda: any(m.text.startswith("✅") for m in botapi.messages(ann.chat_id)))
    # Telegram's update for the payment, delivered again: nothing more happens.
    again = (
        Update.de_json(botapi.updates_sent[-1], app.bot)
        if hasattr(botapi, "updates_sent")
        else None
    )
    if again is not None:
        await app.process_update(again)
    async with deps.sessions() as s:
        paid = await s.get(models.Order, order.id)
        assert paid is not None and paid.status == "paid" and paid.address is not None
        assert paid.address["city"] == "Berlin" and paid.phone == "+491701234567"
        assert await s.scalar(select(func.count()).select_from(models.PaymentEvent)) == 1
    assert sum(m.text.startswith("✅") for m in botapi.messages(ann.chat_id)) == 1


async def test_an_address_in_another_country_is_refused_at_shipping(
    shopper: Callable[..., Shopper], deps: Deps, botapi: LocalBotApi, app: ShopbotApplication
) -> None:
    ann = shopper("en")
    message_id = await invoiced(ann, deps, botapi)
    paris = {**BERLIN, "country_code": "FR", "city": "Paris"}
    outcome = await botapi.pay_invoice(
        ann.user, message_id, shipping_address=paris, phone="+33600000000", name="Ann",
        deliver=deliver(app),
    )  # fmt: skip
    assert not outcome.paid and outcome.refused_at == "shipping"
    assert "Germany" in (outcome.error_message or "")


async def test_a_sold_out_item_is_refused_at_pre_checkout(
    shopper: Callable[..., Shopper], deps: Deps, botapi: LocalBotApi, app: ShopbotApplication
) -> None:
    ann = shopper("en")
    message_id = await invoiced(ann, deps, botapi)
    async with deps.sessions.begin() as s:
        await s.execute(update(models.Sku).values(availability="out_of_stock"))
    outcome = await botapi.pay_invoice(
        ann.user, message_id, shipping_address=BERLIN, phone="+491701234567", name="Ann",
        deliver=deliver(app),
    )  # fmt: skip
    assert not outcome.paid and outcome.refused_at == "pre_checkout"
    assert "sold out" in (outcome.error_message or "")
    async with deps.sessions() as s:
        assert (await s.scalar(select(models.Order.status))) == "pending_payment"


async def test_switching_language_mid_checkout_loses_nothing_and_speaks_the_new_language(
    shopper: Callable[..., Shopper], deps: Deps, botapi: LocalBotApi
) -> None:
    ann = shopper("en")
    await to_quote(ann, deps)
    quote = ann.last
    assert "Parcel weight: " in (quote.text or "")  # in the shopper's units
    await ann.send("/language")
    await ann.press("Русский")
    pay = next(b for b in quote.all_buttons if b.text.startswith("💳 Pay"))  # the English one
    await ann.press(pay.text, quote)
    ru = translator("ru")
    async with deps.sessions() as s:
        order = await s.scalar(select(models.Order))
        lines = (await s.scalars(select(models.OrderLine))).all()
    assert order is not None and order.language == "ru"
    assert [line.quantity for line in lines] == [2]  # the cart the quote was for
    edited = next(m for m in botapi.messages(ann.chat_id) if m.message_id == quote.message_id)
    assert ru.format("Order #{order}: pay with the invoice below.", order=order.id) in (
        edited.text or ""
    )
    invoice = botapi.messages(ann.chat_id)[-1]
    assert invoice.invoice is not None
    assert invoice.invoice["title"] == ru.format("Order #{order}", order=order.id)
