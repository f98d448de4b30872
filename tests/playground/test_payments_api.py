"""The fake Bot API's Telegram Payments: invoices are checked like the real server checks them,
and a user paying walks the bot through shipping, pre-checkout and successful_payment."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    ShippingOption,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    ShippingQueryHandler,
    filters,
)

from bot.playground.botapi.rules import QUERY_TOO_OLD
from bot.playground.botapi.server import LocalBotApi
from bot.playground.terminal import SAMPLE_ADDRESS, TerminalView
from tests.support import Clock

USER_ID = 1001
TOKEN = "284685063:TEST:fake-provider"  # a provider token for the fake
ADDRESS = {
    "country_code": "DE",
    "state": "",
    "city": "Berlin",
    "street_line1": "Invalidenstr. 1",
    "street_line2": "",
    "post_code": "10115",
}
OPTIONS = [
    ShippingOption("post", "China Post", [LabeledPrice("Post", 500)]),
    ShippingOption("express", "EMS", [LabeledPrice("EMS", 1500), LabeledPrice("Fuel", 200)]),
]
AnyApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
def clock() -> Clock:
    """Moved by hand, for the 10-second pre-checkout deadline."""
    return Clock()


@pytest.fixture
async def api(clock: Clock) -> AsyncIterator[LocalBotApi]:
    server = LocalBotApi(clock=clock)
    await server.start()
    server.user(USER_ID, "Ann")
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: LocalBotApi) -> AsyncIterator[Bot]:
    tg = Bot(api.token, base_url=api.base_url)
    await tg.initialize()
    yield tg
    await tg.shutdown()


def invoice(**over: Any) -> dict[str, Any]:
    """sendInvoice keyword arguments for PTB: 20.00 EUR of goods, shipped."""
    kwargs: dict[str, Any] = {
        "chat_id": USER_ID,
        "title": "Phone case",
        "description": "Silicone, black",
        "payload": "order:42",
        "provider_token": TOKEN,
        "currency": "EUR",
        "prices": [LabeledPrice("Goods", 1800), LabeledPrice("Service fee", 200)],
    }
    kwargs.update(over)
    return kwargs


async def rejected(api: LocalBotApi, bot: Bot, **over: Any) -> str:
    """Send an invoice that must be refused; returns the raw description."""
    with pytest.raises(BadRequest):
        await bot.send_invoice(**invoice(**over))
    call = api.calls[-1]
    assert call.method == "sendInvoice" and not call.ok and call.error_code == 400
    return call.description or ""


async def raw(api: LocalBotApi, method: str, **form: str) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{api.port}/bot{api.token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as resp:
        return resp.status, await resp.json()


# --- sendInvoice rules -----------------------------------------------------------------------


async def test_invoice_message_carries_the_invoice(api: LocalBotApi, bot: Bot) -> None:
    prices = [LabeledPrice("Goods", 2000), LabeledPrice("Coupon", -300)]  # a discount line
    sent = await bot.send_invoice(**invoice(prices=prices, start_parameter="p_42"))
    assert sent.invoice is not None and sent.text is None
    assert (sent.invoice.title, sent.invoice.description) == ("Phone case", "Silicone, black")
    assert (sent.invoice.currency, sent.invoice.total_amount) == ("EUR", 1700)
    assert sent.invoice.start_parameter == "p_42"
    stored = api.last_message(USER_ID)
    assert stored is not None and stored.message_id == sent.message_id
    assert stored.invoice == {
        "title": "Phone case",
        "description": "Silicone, black",
        "start_parameter": "p_42",
        "currency": "EUR",
        "total_amount": 1700,
    }
    assert api.invoices[(USER_ID, sent.message_id)].payload == "order:42"
    with pytest.raises(BadRequest, match="no text in the message"):
        await bot.edit_message_text("x", USER_ID, sent.message_id)


async def test_payload_is_limited_in_bytes_not_characters(api: LocalBotApi, bot: Bot) -> None:
    fits = "€" * 42 + "ab"  # 42 * 3 + 2 = 128 bytes
    await bot.send_invoice(**invoice(payload=fits))
    too_long = "€" * 43  # 43 characters, 129 bytes
    assert await rejected(api, bot, payload=too_long) == "Bad Request: INVOICE_PAYLOAD_INVALID"
    assert await rejected(api, bot, payload="") == 'Bad Request: parameter "payload" is required'


@pytest.mark.parametrize(
    ("over", "description"),
    [
        ({"title": "t" * 33}, "Bad Request: INVOICE_TITLE_INVALID"),
        ({"description": "d" * 256}, "Bad Request: INVOICE_DESCRIPTION_INVALID"),
        ({"prices": []}, "Bad Request: there must be at least one price"),
        ({"prices": [LabeledPrice("Goods", -100)]}, "Bad Request: total price must be positive"),
        (
            {"prices": [LabeledPrice("Goods", 500), LabeledPrice("Coupon", -500)]},
            "Bad Request: total price must be positive",
        ),
        ({"prices": [LabeledPrice("", 100)]}, "LabeledPrice label must be non-empty"),
        ({"currency": "ABC"}, "Bad Request: CURRENCY_INVALID"),
        ({"prices": [LabeledPrice("Goods", 50)]}, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"provider_token": ""}, "Bad Request: PAYMENT_PROVIDER_INVALID"),
        ({"max_tip_amount": 100, "suggested_tip_amounts": [50, 150]}, "bigger than max_tip"),
    ],
)
async def test_invalid_invoices_rejected(
    api: LocalBotApi, bot: Bot, over: dict[str, Any], description: str
) -> None:
    assert description in await rejected(api, bot, **over)
    assert api.messages(USER_ID) == []


async def test_amounts_are_minor_units_of_each_currency(api: LocalBotApi, bot: Bot) -> None:
    yen = await bot.send_invoice(**invoice(currency="JPY", prices=[LabeledPrice("Goods", 150)]))
    assert yen.invoice is not None and yen.invoice.total_amount == 150  # exp 0: ¥150
    too_much = [LabeledPrice("Goods", 1_000_001)]  # US$10,000.01
    description = await rejected(api, bot, currency="USD", prices=too_much)
    assert description == "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID"


async def test_malformed_prices_json(api: LocalBotApi) -> None:
    base = {"chat_id": str(USER_ID), "title": "T", "description": "D", "payload": "p"}
    base |= {"provider_token": TOKEN, "currency": "EUR"}
    cases = {
        '[{"label": "Goods", "amount": 100': "Bad Request: can't parse prices JSON object",
        '{"label": "Goods", "amount": 100}': "Bad Request: expected an Array of labeled prices",
        '[{"label": "Goods", "amount": 12.5}]': 'Field "amount" must be a valid Number',
        '[{"label": "Goods"}]': 'Can\'t find field "amount"',
        '["Goods"]': "LabeledPrice must be an Object",
    }
    for prices, description in cases.items():
        status, body = await raw(api, "sendInvoice", **base, prices=prices)
        assert status == 400 and description in body["description"], prices
    status, body = await raw(api, "sendInvoice", **base, prices='[{"label":"G","amount":"250"}]')
    assert status == 200 and body["result"]["invoice"]["total_amount"] == 250


async def test_stars_need_an_empty_provider_token_and_one_price(api: LocalBotApi, bot: Bot) -> None:
    stars = {"currency": "XTR", "provider_token": "", "prices": [LabeledPrice("Stars", 50)]}
    sent = await bot.send_invoice(**invoice(**stars, is_flexible=True, need_phone_number=True))
    spec = api.invoices[(USER_ID, sent.message_id)]
    assert not spec.is_flexible and not spec.need_phone_number  # ignored for digital goods
    with_token = {**stars, "provider_token": TOKEN}
    assert await rejected(api, bot, **with_token) == "Bad Request: STARS_INVOICE_INVALID"
    two = {**stars, "prices": [LabeledPrice("A", 10), LabeledPrice("B", 10)]}
    assert await rejected(api, bot, **two) == "Bad Request: STARS_INVOICE_INVALID"


async def test_first_button_must_be_the_pay_button(api: LocalBotApi, bot: Bot) -> None:
    pay = InlineKeyboardButton("Pay 20 €", pay=True)
    help_ = InlineKeyboardButton("Help", callback_data="help")
    sent = await bot.send_invoice(**invoice(reply_markup=InlineKeyboardMarkup([[pay, help_]])))
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].pay is True
    for rows in ([[help_, pay]], [[help_]], [[pay], [InlineKeyboardButton("2", pay=True)]]):
        markup = InlineKeyboardMarkup(rows)
        assert await rejected(api, bot, reply_markup=markup) == "Bad Request: BUTTON_TYPE_INVALID"


async def test_create_invoice_link(api: LocalBotApi, bot: Bot) -> None:
    kwargs = invoice()
    kwargs.pop("chat_id")
    link = await bot.create_invoice_link(**kwargs)
    assert link.startswith("https://t.me/$") and len(link) > len("https://t.me/$") + 10
    assert api.invoice_links[link].total_amount == 2000
    assert link != await bot.create_invoice_link(**kwargs)
    with pytest.raises(BadRequest):
        await bot.create_invoice_link(**{**kwargs, "payload": "x" * 129})
    assert api.calls[-1].description == "Bad Request: INVOICE_PAYLOAD_INVALID"


async def test_answers_to_unknown_queries_and_missing_fields(api: LocalBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest):
        await bot.answer_shipping_query("42", ok=True, shipping_options=OPTIONS)
    assert api.calls[-1].description == QUERY_TOO_OLD
    with pytest.raises(BadRequest):
        await bot.answer_pre_checkout_query("42", ok=True)
    assert api.calls[-1].description == QUERY_TOO_OLD
    with pytest.raises(BadRequest):
        await bot.answer_shipping_query("42", ok=False)
    assert api.calls[-1].description == 'Bad Request: parameter "error_message" is required'
    no_prices = '[{"id": "a", "title": "A", "prices": []}]'
    status, body = await raw(
        api, "answerShippingQuery", shipping_query_id="42", ok="true", shipping_options=no_prices
    )
    assert status == 400
    assert body["description"] == (
        "Bad Request: can't parse shipping option: Can't parse shipping option prices: "
        "there must be at least one price"
    )
    assert api.shipping_answers == [] and api.pre_checkout_answers == []


# --- paying: the full flow with a polling PTB Application ------------------------------------


async def test_full_flow_through_get_updates(api: LocalBotApi) -> None:
    seen: dict[str, Any] = {}

    async def shipping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.shipping_query
        assert query is not None
        seen["address"] = query.shipping_address.to_dict()
        await query.answer(ok=True, shipping_options=OPTIONS)

    async def pre_checkout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.pre_checkout_query
        assert query is not None
        seen["pre_checkout"] = query
        await query.answer(ok=True)

    async def paid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.successful_payment is not None
        seen["payment"] = update.message.successful_payment
        await update.message.reply_text("Paid, thank you!")

    app: AnyApp = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    app.add_handler(ShippingQueryHandler(shipping))
    app.add_handler(PreCheckoutQueryHandler(pre_checkout))
    app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, paid))
    user = api.users[USER_ID]
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        sent = await app.bot.send_invoice(
            **invoice(is_flexible=True, need_phone_number=True, need_name=True)
        )
        since = len(api.calls)
        outcome = await api.pay_invoice(
            user, sent.message_id, shipping_address=ADDRESS, phone="+4930123", option_id="express"
        )
        reply = await api.wait_for_call("sendMessage", timeout=5, since=since)
        await app.updater.stop()
        await app.stop()
    assert outcome.paid and outcome.refused_at is None
    assert outcome.shipping_option_id == "express" and outcome.total_amount == 2000 + 1700
    assert seen["address"] == ADDRESS
    query = seen["pre_checkout"]
    assert (query.currency, query.total_amount, query.invoice_payload) == ("EUR", 3700, "order:42")
    assert query.shipping_option_id == "express"
    assert query.order_info.phone_number == "+4930123" and query.order_info.name == "Ann"
    payment = seen["payment"]
    assert (payment.currency, payment.total_amount, payment.invoice_payload) == (
        "EUR",
        3700,
        "order:42",
    )
    assert payment.shipping_option_id == "express"
    assert payment.order_info.shipping_address.city == "Berlin"
    assert payment.telegram_payment_charge_id and payment.provider_payment_charge_id
    assert api.payments == [outcome.successful_payment]
    assert reply.ok and reply.params["text"] == "Paid, thank you!"
    assert [a.ok for a in api.shipping_answers] == [True]
    assert [o["id"] for o in api.shipping_answers[0].shipping_options] == ["post", "express"]
    assert [a.ok for a in api.pre_checkout_answers] == [True]


# --- paying: refusals and deadlines, fed through process_update -----------------------------


def build_app(
    api: LocalBotApi,
    *,
    shipping_ok: bool = True,
    pre_checkout_ok: bool = True,
    delay: float = 0.0,
    clock: Clock | None = None,
    answers: int = 1,
) -> tuple[AnyApp, list[Any]]:
    """An unstarted Application whose handlers answer as told; records what they met."""
    events: list[Any] = []

    async def shipping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.shipping_query
        assert query is not None
        if shipping_ok:
            await query.answer(ok=True, shipping_options=OPTIONS)
        else:
            await query.answer(ok=False, error_message="We do not ship to Mars")

    async def pre_checkout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.pre_checkout_query
        assert query is not None
        events.append(query)
        if clock is not None:
            clock.now += delay
        for _ in range(answers):
            try:
                if pre_checkout_ok:
                    await query.answer(ok=True)
                else:
                    await query.answer(ok=False, error_message="Sold out meanwhile")
            except BadRequest as err:
                events.append(err)

    async def paid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        events.append(update.message)

    app: AnyApp = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    app.add_handler(ShippingQueryHandler(shipping))
    app.add_handler(PreCheckoutQueryHandler(pre_checkout))
    app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, paid))
    return app, events


def feeder(app: AnyApp) -> Any:
    async def deliver(update: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(update, app.bot))

    return deliver


async def test_refused_shipping_query_stops_the_payment(api: LocalBotApi) -> None:
    app, events = build_app(api, shipping_ok=False)
    async with app:
        sent = await app.bot.send_invoice(**invoice(is_flexible=True))
        outcome = await api.pay_invoice(
            api.users[USER_ID], sent.message_id, shipping_address=ADDRESS, deliver=feeder(app)
        )
    assert not outcome.paid and outcome.refused_at == "shipping"
    assert outcome.error_message == "We do not ship to Mars" and not outcome.timed_out
    assert events == [] and api.payments == [] and api.pre_checkout_answers == []
    assert [(a.ok, a.error_message) for a in api.shipping_answers] == [
        (False, "We do not ship to Mars")
    ]


async def test_refused_pre_checkout_sends_no_payment(api: LocalBotApi) -> None:
    app, events = build_app(api, pre_checkout_ok=False)
    async with app:
        sent = await app.bot.send_invoice(**invoice(is_flexible=True))
        outcome = await api.pay_invoice(
            api.users[USER_ID], sent.message_id, shipping_address=ADDRESS, deliver=feeder(app)
        )
    assert not outcome.paid and outcome.refused_at == "pre_checkout"
    assert outcome.error_message == "Sold out meanwhile"
    assert outcome.shipping_option_id == "post" and outcome.total_amount == 2500  # first option
    assert len(events) == 1 and events[0].total_amount == 2500  # the query, no payment message
    assert api.payments == []


@pytest.mark.parametrize(("delay", "paid"), [(10.0, True), (10.5, False)])
async def test_pre_checkout_answer_must_come_within_ten_seconds(
    api: LocalBotApi, clock: Clock, delay: float, paid: bool
) -> None:
    app, events = build_app(api, delay=delay, clock=clock)
    async with app:
        sent = await app.bot.send_invoice(**invoice())
        outcome = await api.pay_invoice(api.users[USER_ID], sent.message_id, deliver=feeder(app))
    assert outcome.paid is paid
    answer_call = api.calls_to("answerPreCheckoutQuery")[-1]
    if paid:
        assert answer_call.ok and events[-1].successful_payment.total_amount == 2000
    else:
        assert outcome.refused_at == "pre_checkout" and outcome.timed_out
        assert answer_call.description == QUERY_TOO_OLD
        assert isinstance(events[-1], BadRequest) and api.payments == []
        assert api.pre_checkout_answers == []


async def test_unanswered_query_times_out_and_a_later_answer_is_refused(
    api: LocalBotApi, bot: Bot
) -> None:
    queries: list[dict[str, Any]] = []
    sent = await bot.send_invoice(**invoice())
    outcome = await api.pay_invoice(
        api.users[USER_ID], sent.message_id, deliver=queries.append, timeout=0.05
    )
    assert outcome.timed_out and outcome.refused_at == "pre_checkout"
    assert [next(k for k in q if k != "update_id") for q in queries] == ["pre_checkout_query"]
    with pytest.raises(BadRequest):
        await bot.answer_pre_checkout_query(queries[0]["pre_checkout_query"]["id"], ok=True)
    assert api.calls[-1].description == QUERY_TOO_OLD


async def test_answering_the_same_query_twice(api: LocalBotApi) -> None:
    app, events = build_app(api, answers=2)
    async with app:
        sent = await app.bot.send_invoice(**invoice())
        outcome = await api.pay_invoice(api.users[USER_ID], sent.message_id, deliver=feeder(app))
    assert outcome.paid  # the first answer counts
    errors = [e for e in events if isinstance(e, BadRequest)]
    assert len(errors) == 1 and api.calls_to("answerPreCheckoutQuery")[-1].description == (
        QUERY_TOO_OLD
    )
    assert len(api.pre_checkout_answers) == 1


async def test_stars_invoice_link_paid_without_shipping(api: LocalBotApi, bot: Bot) -> None:
    link = await bot.create_invoice_link(
        "Stars pack", "Digital", "stars:1", "XTR", [LabeledPrice("Stars", 25)], provider_token=""
    )
    queries: list[dict[str, Any]] = []

    async def answer(update: dict[str, Any]) -> None:
        queries.append(update)
        if "pre_checkout_query" in update:
            await bot.answer_pre_checkout_query(update["pre_checkout_query"]["id"], ok=True)

    outcome = await api.pay_invoice(api.users[USER_ID], link, deliver=answer)
    assert outcome.paid and outcome.total_amount == 25
    assert [k for q in queries for k in q if k != "update_id"] == ["pre_checkout_query", "message"]
    payment = queries[-1]["message"]["successful_payment"]
    assert payment["currency"] == "XTR" and payment["provider_payment_charge_id"] == ""
    assert payment["telegram_payment_charge_id"].startswith("stx")
    assert queries[-1]["message"]["chat"]["id"] == USER_ID


async def test_what_a_client_would_not_allow(api: LocalBotApi, bot: Bot) -> None:
    user = api.users[USER_ID]
    sent = await bot.send_invoice(**invoice(is_flexible=True, need_phone_number=True))
    with pytest.raises(ValueError, match="phone number"):
        await api.pay_invoice(user, sent.message_id, shipping_address=ADDRESS)
    with pytest.raises(ValueError, match="shipping address"):
        await api.pay_invoice(user, sent.message_id, phone="+1")
    with pytest.raises(ValueError, match="country_code"):
        bad = {**ADDRESS, "country_code": "germany"}
        await api.pay_invoice(user, sent.message_id, phone="+1", shipping_address=bad)
    with pytest.raises(ValueError, match="no invoice message"):
        await api.pay_invoice(user, sent.message_id + 1)

    async def answer(update: dict[str, Any]) -> None:
        await bot.answer_shipping_query(
            update["shipping_query"]["id"], ok=True, shipping_options=OPTIONS
        )

    with pytest.raises(ValueError, match="no shipping option 'drone'"):
        await api.pay_invoice(
            user,
            sent.message_id,
            phone="+1",
            shipping_address=ADDRESS,
            option_id="drone",
            deliver=answer,
        )
    assert api.payments == []


async def test_concurrent_payments_get_their_own_answers(api: LocalBotApi, bot: Bot) -> None:
    first = await bot.send_invoice(**invoice(payload="a"))
    second = await bot.send_invoice(**invoice(payload="b"))

    async def answer(update: dict[str, Any]) -> None:
        query = update.get("pre_checkout_query")
        if query is not None:
            ok = query["invoice_payload"] == "a"
            await asyncio.sleep(0.01 if ok else 0)
            await bot.answer_pre_checkout_query(
                query["id"], ok=ok, error_message=None if ok else "no"
            )

    user = api.users[USER_ID]
    one, two = await asyncio.gather(
        api.pay_invoice(user, first.message_id, deliver=answer),
        api.pay_invoice(user, second.message_id, deliver=answer),
    )
    assert one.paid and not two.paid and two.error_message == "no"
    assert [json.dumps(p["invoice_payload"]) for p in api.payments] == ['"a"']


# --- the terminal playground ------------------------------------------------------------------


async def test_terminal_shows_an_invoice_and_pays_it_with_pay(api: LocalBotApi) -> None:
    out = io.StringIO()
    view = TerminalView(api, USER_ID, out)
    api.on_call.append(view.on_call)
    app, events = build_app(api)
    async with app:
        await view.pay(app, USER_ID)
        assert "(no invoice to pay here)" in out.getvalue()
        await app.bot.send_invoice(**invoice(currency="JPY", prices=[LabeledPrice("Goods", 1980)]))
        await app.bot.send_invoice(**invoice(is_flexible=True))
        await view.pay(app, USER_ID)  # the newest invoice: EUR, shipped by the first option
    shown = out.getvalue()
    assert "bot> [invoice] Phone case\n     Silicone, black\n     Total: 1980 JPY" in shown
    assert "Total: 20.00 EUR" in shown and "/pay" in shown
    assert "(paid 25.00 EUR)" in shown
    payment = events[-1].successful_payment
    assert payment.order_info.shipping_address.to_dict() == SAMPLE_ADDRESS
