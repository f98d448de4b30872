"""Telegram Payments in the fake Bot API: invoices, shipping and pre-checkout queries, and a
user who pays.

The bot side (sendInvoice, createInvoiceLink, answerShippingQuery, answerPreCheckoutQuery) is
checked like the real server does. The user side, :meth:`PaymentMethods.pay_invoice`, plays what a
Telegram client and the payment provider do after "Pay" is pressed: a shipping query for a
flexible invoice, a pre-checkout query the bot must answer within 10 seconds, then the
``successful_payment`` service message. Its updates go through ``deliver`` (by default the
getUpdates queue; a test that drives ``Application.process_update`` passes that instead), so the
bot meets them exactly as it meets every other update.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.playground.botapi.invoices import (
    STARS,
    Invoice,
    parse_invoice,
    parse_shipping_options,
    validate_invoice_markup,
)
from bot.playground.botapi.methods import ChatMethods, Handler
from bot.playground.botapi.model import FakeChat, FakeUser, JsonDict, SentMessage
from bot.playground.botapi.params import Params
from bot.playground.botapi.rules import QUERY_TOO_OLD, ApiError, FloodControl, bad_request

PRE_CHECKOUT_DEADLINE = 10.0  # seconds Telegram waits for answerPreCheckoutQuery
INVOICE_LINK_PREFIX = "https://t.me/$"
Deliver = Callable[[JsonDict], Awaitable[Any] | Any]
_ADDRESS_FIELDS = ("country_code", "state", "city", "street_line1", "street_line2", "post_code")


@dataclass
class ShippingAnswer:
    """An accepted answerShippingQuery call."""

    shipping_query_id: str
    ok: bool
    shipping_options: list[JsonDict]
    error_message: str | None


@dataclass
class PreCheckoutAnswer:
    """An accepted answerPreCheckoutQuery call."""

    pre_checkout_query_id: str
    ok: bool
    error_message: str | None


@dataclass
class PaymentOutcome:
    """How one :meth:`PaymentMethods.pay_invoice` ended.

    ``refused_at`` names the step that stopped the payment ("shipping" or "pre_checkout"),
    with the bot's ``error_message``, or ``timed_out`` when the bot did not answer in time.
    """

    paid: bool
    refused_at: str | None = None
    error_message: str | None = None
    timed_out: bool = False
    shipping_option_id: str | None = None
    total_amount: int = 0
    successful_payment: JsonDict | None = None


@dataclass
class _Pending:
    kind: str  # "shipping" | "pre_checkout"
    issued: float
    answer: asyncio.Future[JsonDict | None] = field(repr=False)


class PaymentMethods(ChatMethods):
    """Bot API payment methods plus the paying user, on top of the chat methods."""

    FLOOD_METHODS = ChatMethods.FLOOD_METHODS | {"sendInvoice"}

    def __init__(
        self,
        bot_user: JsonDict,
        flood: FloodControl | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(bot_user, flood)
        self.clock = clock
        self.invoices: dict[tuple[int, int], Invoice] = {}  # (chat_id, message_id) -> invoice
        self.invoice_links: dict[str, Invoice] = {}
        self.shipping_answers: list[ShippingAnswer] = []
        self.pre_checkout_answers: list[PreCheckoutAnswer] = []
        self.payments: list[JsonDict] = []  # successful_payment objects, in order
        self._pending_payments: dict[str, _Pending] = {}
        self._charge_ids = itertools.count(1)

    def payment_handlers(self) -> dict[str, Handler]:
        """Telegram method name -> handler."""
        return {
            "sendInvoice": self._send_invoice,
            "createInvoiceLink": self._create_invoice_link,
            "answerShippingQuery": self._answer_shipping_query,
            "answerPreCheckoutQuery": self._answer_pre_checkout_query,
        }

    # --- bot side --------------------------------------------------------------------------

    async def _send_invoice(self, p: Params) -> JsonDict:
        chat = self.resolve_chat(p.get("chat_id"))
        invoice = parse_invoice(p)
        markup = validate_invoice_markup(p.get("reply_markup"))
        reply_to = self._reply_to(chat.id, p)
        self._check_flood("sendInvoice", chat.id, p)
        message = SentMessage(self._next_message_id(chat.id), chat.id, int(time.time()))
        message.reply_to_message_id = reply_to
        message.set_markup(markup)
        message.invoice = invoice.to_json()
        self._store(message)
        self.invoices[(chat.id, message.message_id)] = invoice
        return self.message_json(message)

    async def _create_invoice_link(self, p: Params) -> str:
        invoice = parse_invoice(p)
        link = INVOICE_LINK_PREFIX + secrets.token_urlsafe(15)
        self.invoice_links[link] = invoice
        return link

    async def _answer_shipping_query(self, p: Params) -> bool:
        query_id = p.text("shipping_query_id") or ""
        ok = p.flag("ok")
        options = parse_shipping_options(p.get("shipping_options")) if ok else []
        error = None if ok else _required_text(p, "error_message")
        self._take_pending(query_id, "shipping")
        self.shipping_answers.append(ShippingAnswer(query_id, ok, options, error))
        self._resolve(query_id, {"ok": ok, "shipping_options": options, "error_message": error})
        return True

    async def _answer_pre_checkout_query(self, p: Params) -> bool:
        query_id = p.text("pre_checkout_query_id") or ""
        ok = p.flag("ok")
        error = None if ok else _required_text(p, "error_message")
        pending = self._take_pending(query_id, "pre_checkout")
        if self.clock() - pending.issued > PRE_CHECKOUT_DEADLINE:
            self._resolve(query_id, None)  # Telegram has already told the user it failed
            raise ApiError(400, QUERY_TOO_OLD)
        self.pre_checkout_answers.append(PreCheckoutAnswer(query_id, ok, error))
        self._resolve(query_id, {"ok": ok, "error_message": error})
        return True

    def _take_pending(self, query_id: str, kind: str) -> _Pending:
        """The unanswered query of that kind; unknown, answered and expired ids are refused
        with the description the real server gives for QUERY_ID_INVALID."""
        pending = self._pending_payments.get(query_id)
        if pending is None or pending.kind != kind or pending.answer.done():
            raise ApiError(400, QUERY_TOO_OLD)
        return pending

    def _resolve(self, query_id: str, answer: JsonDict | None) -> None:
        pending = self._pending_payments.pop(query_id, None)
        if pending is not None and not pending.answer.done():
            pending.answer.set_result(answer)

    # --- user side -------------------------------------------------------------------------

    async def pay_invoice(
        self,
        user: FakeUser,
        invoice: int | str,
        *,
        chat: FakeChat | int | None = None,
        shipping_address: Mapping[str, str] | None = None,
        phone: str | None = None,
        name: str | None = None,
        email: str | None = None,
        option_id: str | None = None,
        deliver: Deliver | None = None,
        timeout: float = PRE_CHECKOUT_DEADLINE,  # noqa: ASYNC109 - a plain timeout suits tests
    ) -> PaymentOutcome:
        """Pay an invoice as ``user``: a message id in ``chat`` (default: the user's private
        chat) or an invoice link. Waits up to ``timeout`` seconds for each of the bot's answers.
        The successful_payment message goes to that chat, as Telegram posts it beside the invoice.

        Raises ValueError for what a real client would not let the user do: an unknown or
        deleted invoice, a requested detail left out, a shipping option the bot did not offer.
        """
        target = self._chat_for(user, chat)
        spec = self._invoice_to_pay(invoice, target.id)
        order_info = _order_info(spec, user, shipping_address, phone, name, email)
        send = deliver or self.push_update
        total, chosen = spec.total_amount, None
        if spec.is_flexible:
            answer = await self._ask(
                "shipping",
                {
                    "from": user.to_dict(),
                    "invoice_payload": spec.payload,
                    "shipping_address": order_info["shipping_address"],
                },
                send,
                timeout,
            )
            if answer is None or not answer["ok"]:
                return _refused("shipping", answer)
            option = _pick_option(answer["shipping_options"], option_id)
            chosen = option["id"]
            total += sum(int(price["amount"]) for price in option["prices"])
        query: JsonDict = {
            "from": user.to_dict(),
            "currency": spec.currency,
            "total_amount": total,
            "invoice_payload": spec.payload,
        }
        if chosen is not None:
            query["shipping_option_id"] = chosen
        if order_info:
            query["order_info"] = order_info
        answer = await self._ask("pre_checkout", query, send, timeout)
        if answer is None or not answer["ok"]:
            return _refused("pre_checkout", answer, chosen, total)
        payment = self._successful_payment(query)
        message = self._user_message(user, target)
        message["successful_payment"] = payment
        self.payments.append(payment)
        await _call(send, self._new_update("message", dict(message)))
        return PaymentOutcome(True, shipping_option_id=chosen, total_amount=total,
                              successful_payment=payment)  # fmt: skip

    def _invoice_to_pay(self, invoice: int | str, chat_id: int) -> Invoice:
        if isinstance(invoice, str):
            if invoice not in self.invoice_links:
                raise ValueError(f"no invoice link {invoice!r}")
            return self.invoice_links[invoice]
        message = self.message(chat_id, invoice)
        if message is None or message.deleted or (chat_id, invoice) not in self.invoices:
            raise ValueError(f"no invoice message {invoice} in chat {chat_id}")
        return self.invoices[(chat_id, invoice)]

    async def _ask(
        self,
        kind: str,
        payload: JsonDict,
        send: Deliver,
        timeout: float,  # noqa: ASYNC109 - pay_invoice's own timeout, passed on
    ) -> JsonDict | None:
        """Emit a shipping_query / pre_checkout_query update and wait for the bot's answer
        (None when it never came or came too late)."""
        query_id = str(next(self._query_ids))
        future: asyncio.Future[JsonDict | None] = asyncio.get_running_loop().create_future()
        self._pending_payments[query_id] = _Pending(kind, self.clock(), future)
        await _call(send, self._new_update(f"{kind}_query", {"id": query_id, **payload}))
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            self._resolve(query_id, None)  # a later answer gets "query is too old"
            return None

    def _successful_payment(self, query: JsonDict) -> JsonDict:
        number = next(self._charge_ids)
        stars = query["currency"] == STARS
        payment: JsonDict = {
            key: query[key]
            for key in ("currency", "total_amount", "invoice_payload", "shipping_option_id",
                        "order_info")
            if key in query
        }  # fmt: skip
        payment["telegram_payment_charge_id"] = f"{'stx' if stars else 'tg'}{number:012d}"
        payment["provider_payment_charge_id"] = "" if stars else f"fake_charge_{number:08d}"
        return payment


def _order_info(
    invoice: Invoice,
    user: FakeUser,
    address: Mapping[str, str] | None,
    phone: str | None,
    name: str | None,
    email: str | None,
) -> JsonDict:
    """The details the invoice asked for, as the Telegram client would collect them."""
    info: JsonDict = {}
    if invoice.need_name:
        info["name"] = name or " ".join(filter(None, (user.first_name, user.last_name)))
    if invoice.need_phone_number:
        if not phone:
            raise ValueError("this invoice asks for a phone number: pass phone=...")
        info["phone_number"] = phone
    if invoice.need_email:
        if not email:
            raise ValueError("this invoice asks for an e-mail address: pass email=...")
        info["email"] = email
    if invoice.need_shipping_address:
        info["shipping_address"] = _address(address)
    return info


def _address(address: Mapping[str, str] | None) -> JsonDict:
    if not address:
        raise ValueError("this invoice asks for a shipping address: pass shipping_address=...")
    unknown = set(address) - set(_ADDRESS_FIELDS)
    if unknown:
        raise ValueError(f"unknown shipping address fields: {sorted(unknown)}")
    country = address.get("country_code", "")
    if not (len(country) == 2 and country.isalpha() and country.isupper()):
        raise ValueError("shipping_address needs a two-letter upper-case country_code")
    for needed in ("city", "street_line1", "post_code"):
        if not address.get(needed):
            raise ValueError(f"shipping_address needs {needed}")
    return {key: str(address.get(key, "")) for key in _ADDRESS_FIELDS}


def _pick_option(options: list[JsonDict], option_id: str | None) -> JsonDict:
    if option_id is None:
        return options[0]
    for option in options:
        if option["id"] == option_id:
            return option
    offered = [o["id"] for o in options]
    raise ValueError(f"the bot offered no shipping option {option_id!r} (offered: {offered})")


def _refused(
    step: str, answer: JsonDict | None, chosen: str | None = None, total: int = 0
) -> PaymentOutcome:
    return PaymentOutcome(
        False,
        refused_at=step,
        error_message=None if answer is None else answer["error_message"],
        timed_out=answer is None,
        shipping_option_id=chosen,
        total_amount=total,
    )


def _required_text(p: Params, name: str) -> str:
    value = p.text(name)
    if not value:
        raise bad_request(f'parameter "{name}" is required')
    return value


async def _call(send: Deliver, update: JsonDict) -> None:
    outcome = send(update)
    if inspect.isawaitable(outcome):
        await outcome
