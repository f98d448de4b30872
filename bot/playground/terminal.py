"""`shopbot chat`: talk to the real Application in a terminal.

The bot runs unchanged against the local Bot API server; what it sends is printed as text with
numbered inline buttons. Type a message, or a button's number to press it; /quit leaves.
/pay pays the newest Telegram invoice; /stripe pay or /stripe fail acts on the newest local
test payment page (bot/playground/payments.py: without Stripe keys, checkout links lead there).
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from decimal import Decimal
from typing import Any, TextIO

from telegram import Update

from bot import demo, migrate
from bot.config import Settings
from bot.playground.botapi.invoices import CURRENCIES
from bot.playground.botapi.model import Call, JsonDict, SentMessage
from bot.playground.botapi.server import LocalBotApi
from bot.playground.payments import HINT, AlertTasks, LocalStripe, StripeCommand, wants_local_stripe
from bot.process.deps import Deps
from handlers import wiring
from handlers.commands import publish

log = logging.getLogger(__name__)

SHOWN = {
    "sendMessage", "sendPhoto", "sendInvoice", "editMessageText", "editMessageCaption",
    "editMessageReplyMarkup",
}  # fmt: skip
# What /pay fills in when the invoice asks for it: made-up details, nobody's real ones.
SAMPLE_ADDRESS = {
    "country_code": "US", "state": "NY", "city": "New York", "street_line1": "1 Sample Street",
    "street_line2": "", "post_code": "10001",
}  # fmt: skip
SAMPLE_PHONE, SAMPLE_EMAIL = "+15550100", "shopper@example.com"
INTRO = (
    "shopbot playground: you are chatting with the real bot through a local Bot API server.\n"
    "Type a message (try /start or /settings), a button's number to press it, or /quit.\n"
    "The bot's log goes to {log}.\n"
)
PAYMENTS_INTRO = (
    "Checkout links open a local test payment page; /stripe pay or /stripe fail uses it.\n"
)


class TerminalView:
    """Prints what the bot does in one private chat and maps typed numbers to its buttons."""

    def __init__(
        self, api: LocalBotApi, chat_id: int, out: TextIO, *, pay_page: str | None = None
    ) -> None:
        """`pay_page`: where the local test payment pages start (links there get a hint)."""
        self.api, self.chat_id, self.out = api, chat_id, out
        self.pay_page = pay_page
        self.keyboard: SentMessage | None = None
        self._shown: tuple[int, str] | None = None  # the keyboard's message as last printed

    def on_call(self, call: Call) -> None:
        if not call.ok:
            self.out.write(f"[Bot API rejected {call.method}: {call.description}]\n")
        elif call.method in SHOWN and isinstance(call.result, dict):
            message = self.api.message(self.chat_id, int(call.result.get("message_id", 0)))
            if message is not None:
                self.show(message, edited=call.method.startswith("edit"))
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            self.out.write(f"  ({call.params['text']})\n")
        elif call.method == "deleteMessage":
            self.out.write("bot> (removed a message)\n")
        self.out.flush()

    def show(self, message: SentMessage, *, edited: bool) -> None:
        """The message (only its buttons when they alone changed), its buttons numbered."""
        body = _body(message)
        if edited and self._same_text(message):
            self.out.write("bot (new buttons)>\n")
        else:
            prefix = "bot (edited)> " if edited else "bot> "
            self.out.write(prefix + body.replace("\n", "\n     ") + "\n")
        if message.buttons:
            self.keyboard = message
            self._shown = (message.message_id, body)
            n = 0
            for row in message.buttons:
                cells = []
                for b in row:
                    n += 1
                    link = f" ({b.url})" if b.url else ""
                    cells.append(f"[{n}] {b.text}{link}")
                self.out.write("     " + "   ".join(cells) + "\n")
            if any(self._local_page(b.url) for b in message.all_buttons):
                self.out.write(f"     {HINT}\n")

    def _local_page(self, url: str | None) -> bool:
        return bool(url and self.pay_page and url.startswith(self.pay_page))

    def _same_text(self, message: SentMessage) -> bool:
        return self._shown == (message.message_id, _body(message))

    async def pay(self, app: Any, user_id: int) -> None:
        """/pay: pay the newest invoice in the chat as the user, with sample details."""
        invoice = next((m for m in reversed(self.api.messages(self.chat_id)) if m.invoice), None)
        if invoice is None:
            self.out.write("  (no invoice to pay here)\n")
            return

        async def deliver(update: JsonDict) -> None:
            await app.process_update(Update.de_json(update, app.bot))

        try:
            outcome = await self.api.pay_invoice(
                self.api.users[user_id], invoice.message_id, shipping_address=SAMPLE_ADDRESS,
                phone=SAMPLE_PHONE, email=SAMPLE_EMAIL, deliver=deliver,
            )  # fmt: skip
        except ValueError as err:
            self.out.write(f"  (can't pay: {err})\n")
            return
        currency = (invoice.invoice or {}).get("currency", "")
        if outcome.paid:
            self.out.write(f"  (paid {_major(outcome.total_amount, currency)})\n")
        elif outcome.timed_out:
            self.out.write(f"  (payment failed: the bot did not answer the {outcome.refused_at} "
                           "query in time)\n")  # fmt: skip
        else:
            self.out.write(f"  (payment refused at {outcome.refused_at}: "
                           f"{outcome.error_message})\n")  # fmt: skip
        self.out.flush()

    def update_for(self, line: str, user_id: int) -> dict[str, Any] | None:
        """The Update the typed line stands for; None for a number that names no button (or a
        link, whose address is shown instead: Telegram would open it, not tell the bot)."""
        user = self.api.users[user_id]
        if line.isdigit() and self.keyboard is not None:
            buttons = self.keyboard.all_buttons
            index = int(line) - 1
            if not 0 <= index < len(buttons):
                self.out.write("  (no button with that number)\n")
                return None
            if buttons[index].url:
                self.out.write(f"  (a link: {buttons[index].url})\n")
                if self._local_page(buttons[index].url):
                    self.out.write(f"  {HINT}\n")
                return None
            data = buttons[index].callback_data
            if data is None:
                self.out.write("  (no button with that number)\n")
                return None
            assert data is not None
            return self.api.make_callback_update(user, self.keyboard, data)
        return self.api.make_message_update(user, line)


async def chat(
    settings: Settings,
    *,
    user_language: str = "en",
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    log_file: str = "stderr",
) -> None:
    """Run the playground until /quit or end of input; without Stripe keys, with a local test
    payment page (closed, like everything else, on the way out)."""
    local = await LocalStripe.start() if wants_local_stripe(settings) else None
    try:
        if local is not None:
            settings = local.configure(settings)
        deps = Deps.create(settings)
        try:
            await migrate.upgrade(deps.engine)
            await demo.load(deps.sessions)
            if local is not None:
                await local.serve_webhooks(deps)
            await _talk(deps, local, user_language, stdin, out, log_file)
        finally:
            if local is not None:
                await local.stop_webhooks()
            await deps.close()
    finally:
        if local is not None:
            await local.close()


async def _talk(
    deps: Deps, local: LocalStripe | None, language: str, stdin: TextIO, out: TextIO, log: str
) -> None:
    async with LocalBotApi() as api:
        app = wiring.build(
            deps, token=api.token, base_url=api.base_url, polling=False, rate_limit=False
        )
        sending = AlertTasks(app)
        sending.install(deps)
        user = api.user(1, first_name=_first_name(), language_code=language)
        page = local.page_prefix if local is not None else None
        view = TerminalView(api, user.id, out, pay_page=page)
        stripe = StripeCommand(local, api, user.id, out, sending.settled)
        api.on_call.append(view.on_call)
        async with app:
            await publish(app.bot)
            out.write(INTRO.format(log=log) + (PAYMENTS_INTRO if local is not None else ""))
            try:
                await _loop(app, view, stripe, user.id, stdin, out)
            finally:
                if local is not None:
                    await local.stop_webhooks()  # no new events while the last alerts go
                await sending.settled()


async def _loop(
    app: Any, view: TerminalView, stripe: StripeCommand, user_id: int, stdin: TextIO, out: TextIO
) -> None:
    loop = asyncio.get_running_loop()
    while True:
        if stdin.isatty():
            out.write("you> ")
            out.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line or line.strip() in ("/quit", "/exit"):
            return
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.strip() == "/pay":
            await view.pay(app, user_id)
            continue
        if line.split()[0] == "/stripe":
            await stripe.run(line.split()[1:])
            continue
        update = view.update_for(line, user_id)
        if update is None:
            continue
        await app.process_update(Update.de_json(update, app.bot))


def _body(message: SentMessage) -> str:
    if message.invoice is not None:
        invoice = message.invoice
        total = _major(int(invoice["total_amount"]), str(invoice["currency"]))
        return (
            f"[invoice] {invoice['title']}\n{invoice['description']}\nTotal: {total}\n"
            "(type /pay to pay it with a test card and a sample address)"
        )
    body = message.text or message.caption or ""
    return f"[photo {message.photo}]\n{body}" if message.photo else body


def _major(minor: int, currency: str) -> str:
    """Minor units in major ones, by Telegram's exponent for the currency: 3700 EUR -> 37.00."""
    exp = CURRENCIES.get(currency, (2, 0, 0))[0]
    return f"{Decimal(minor).scaleb(-exp):.{exp}f} {currency}"


def _first_name() -> str:
    try:
        return getpass.getuser().title()
    except (KeyError, OSError):
        return "You"
