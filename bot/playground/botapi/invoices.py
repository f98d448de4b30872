"""The rules a real Bot API server applies to invoices and shipping options.

Two layers check an invoice on the real service, and the fake keeps both so a bot bug surfaces in
tests with the description it would get in production: the Bot API server itself (tdlib's
telegram-bot-api: "parameter ... is required", "can't parse prices JSON object", "total price must
be positive") and Telegram's backend (upper-case codes such as INVOICE_PAYLOAD_INVALID or
CURRENCY_TOTAL_AMOUNT_INVALID, the last one for a total outside the currency's limits of roughly
US$1 to US$10,000 in Telegram's currencies.json).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.playground.botapi.model import JsonDict
from bot.playground.botapi.rules import ApiError, bad_request, validate_reply_markup

STARS = "XTR"
MAX_TITLE = 32
MAX_DESCRIPTION = 255
MAX_PAYLOAD_BYTES = 128
MAX_SUGGESTED_TIPS = 4
_MAX_AMOUNT = 9_999_999_999_999  # tdlib's check_currency_amount bound

# Telegram's currencies.json for the currencies the bot charges in: (exp, min_amount, max_amount)
# in minor units. The limits are about US$1 and US$10,000 at the rates of the time of writing;
# Telegram recomputes them daily, so a test should stay well inside them.
CURRENCIES: dict[str, tuple[int, int, int]] = {
    "USD": (2, 100, 1_000_000), "EUR": (2, 92, 920_000), "GBP": (2, 79, 790_000),
    "RUB": (2, 9_000, 90_000_000), "KZT": (2, 47_000, 470_000_000), "UAH": (2, 4_100, 41_000_000),
    "JPY": (0, 150, 1_500_000), "KRW": (0, 1_350, 13_500_000), "AUD": (2, 150, 1_500_000),
    "CAD": (2, 136, 1_360_000), "NZD": (2, 165, 1_650_000), "SGD": (2, 134, 1_340_000),
    "MYR": (2, 450, 4_500_000), "THB": (2, 3_500, 35_000_000), "PHP": (2, 5_700, 57_000_000),
    "IDR": (2, 1_600_000, 16_000_000_000), "VND": (0, 25_000, 250_000_000),
    "INR": (2, 8_300, 83_000_000), "AED": (2, 367, 3_670_000), "TRY": (2, 3_300, 33_000_000),
    "BRL": (2, 540, 5_400_000), "MXN": (2, 1_800, 18_000_000), "CHF": (2, 88, 880_000),
    "HKD": (2, 780, 7_800_000), "CNY": (2, 720, 7_200_000), STARS: (0, 1, 100_000),
}  # fmt: skip


@dataclass(frozen=True)
class Invoice:
    """What the bot asked for: everything the payment flow needs later."""

    title: str
    description: str
    payload: str
    provider_token: str
    currency: str
    prices: list[JsonDict]
    start_parameter: str = ""
    photo_url: str | None = None
    need_name: bool = False
    need_phone_number: bool = False
    need_email: bool = False
    need_shipping_address: bool = False
    is_flexible: bool = False
    max_tip_amount: int = 0
    suggested_tip_amounts: list[int] = field(default_factory=list)

    @property
    def total_amount(self) -> int:
        return sum(int(p["amount"]) for p in self.prices)

    def to_json(self) -> JsonDict:
        """The ``Invoice`` object of the message that carries it."""
        return {
            "title": self.title,
            "description": self.description,
            "start_parameter": self.start_parameter,
            "currency": self.currency,
            "total_amount": self.total_amount,
        }


def parse_invoice(p: Any) -> Invoice:
    """Validate sendInvoice / createInvoiceLink parameters (a ``Params``) into an Invoice."""
    title, description = _required(p, "title"), _required(p, "description")
    payload = _required(p, "payload")
    currency = _required(p, "currency")
    prices = parse_prices(p.get("prices"))
    max_tip = _long(p.get("max_tip_amount"), 'can\'t parse "max_tip_amount" as Number')
    tips = _tips(p.get("suggested_tip_amounts"))
    total = sum(int(price["amount"]) for price in prices)
    if total <= 0:
        raise bad_request("total price must be positive")
    if total > _MAX_AMOUNT:
        raise bad_request("total price is too big")
    _check_tips(max_tip, tips)
    # Telegram's backend, after the Bot API server accepted the request.
    if len(title) > MAX_TITLE:
        raise bad_request("INVOICE_TITLE_INVALID")
    if len(description) > MAX_DESCRIPTION:
        raise bad_request("INVOICE_DESCRIPTION_INVALID")
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if currency not in CURRENCIES:
        raise bad_request("CURRENCY_INVALID")
    token = p.text("provider_token") or ""
    stars = currency == STARS
    if stars and (token or len(prices) != 1 or max_tip or tips):
        raise bad_request("STARS_INVOICE_INVALID")  # one price, no provider, no tips
    if not stars and not token:
        raise bad_request("PAYMENT_PROVIDER_INVALID")
    _exp, low, high = CURRENCIES[currency]
    if not low <= total <= high:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    flexible = not stars and p.flag("is_flexible")
    return Invoice(
        title=title,
        description=description,
        payload=payload,
        provider_token=token,
        currency=currency,
        prices=prices,
        start_parameter=p.text("start_parameter") or "",
        photo_url=p.text("photo_url") or None,
        # Stars are for digital goods: Telegram ignores every request for personal data.
        need_name=not stars and p.flag("need_name"),
        need_phone_number=not stars
        and (p.flag("need_phone_number") or p.flag("send_phone_number_to_provider")),
        need_email=not stars and (p.flag("need_email") or p.flag("send_email_to_provider")),
        need_shipping_address=flexible or (not stars and p.flag("need_shipping_address")),
        is_flexible=flexible,
        max_tip_amount=max_tip,
        suggested_tip_amounts=tips,
    )


def validate_invoice_markup(markup: Any) -> JsonDict | None:
    """An invoice's inline keyboard: its first button must be the Pay button, and only it."""
    checked = validate_reply_markup(markup, inline_only=True)
    if checked is None:
        return None
    buttons = [b for row in checked["inline_keyboard"] for b in row]
    if not buttons[0].get("pay") or any(b.get("pay") for b in buttons[1:]):
        raise bad_request("BUTTON_TYPE_INVALID")
    return checked


def parse_prices(value: Any, *, what: str = "prices") -> list[JsonDict]:
    """A JSON array of LabeledPrice: non-empty labels, integer amounts, at least one."""
    if value in (None, ""):
        raise bad_request(f'parameter "{what}" is required')
    if isinstance(value, str):
        raise bad_request(f"can't parse {what} JSON object")
    if not isinstance(value, list):
        raise bad_request("expected an Array of labeled prices")
    prices = [_labeled_price(item) for item in value]
    if not prices:
        raise bad_request("there must be at least one price")
    return prices


def _labeled_price(item: Any) -> JsonDict:
    prefix = "can't parse labeled price: "
    if not isinstance(item, dict):
        raise bad_request(prefix + "LabeledPrice must be an Object")
    label = item.get("label")
    if label is None:
        raise bad_request(prefix + 'Can\'t find field "label"')
    if not isinstance(label, str | int) or isinstance(label, bool):
        raise bad_request(prefix + 'Field "label" must be of type String')
    if str(label) == "":
        raise bad_request(prefix + "LabeledPrice label must be non-empty")
    if "amount" not in item:
        raise bad_request(prefix + 'Can\'t find field "amount"')
    amount = _long(item["amount"], prefix + 'Field "amount" must be a valid Number')
    if abs(amount) > _MAX_AMOUNT:
        raise bad_request("too big amount of the currency specified")
    return {"label": str(label), "amount": amount}


def parse_shipping_options(value: Any) -> list[JsonDict]:
    """answerShippingQuery's ``shipping_options``: [{id, title, prices}], at least one."""
    if value in (None, ""):
        raise bad_request('parameter "shipping_options" is required')
    if isinstance(value, str):
        raise bad_request("can't parse shipping options JSON object")
    if not isinstance(value, list):
        raise bad_request("expected an Array of shipping options")
    options = [_shipping_option(item) for item in value]
    if not options:
        raise bad_request("there must be at least one shipping option")
    return options


def _shipping_option(item: Any) -> JsonDict:
    prefix = "can't parse shipping option: "
    if not isinstance(item, dict):
        raise bad_request(prefix + "ShippingOption must be an Object")
    for name in ("id", "title"):
        if not isinstance(item.get(name), str):
            raise bad_request(prefix + f'Field "{name}" must be of type String')
    if not item["id"]:
        raise bad_request(prefix + "ShippingOption identifier must be non-empty")
    if not item["title"]:
        raise bad_request(prefix + "ShippingOption title must be non-empty")
    if not isinstance(item.get("prices"), list):
        raise bad_request(prefix + 'Field "prices" must be of type Array')
    try:
        prices = parse_prices(item["prices"])
    except ApiError as err:
        reason = err.description.removeprefix("Bad Request: ")
        raise bad_request(f"{prefix}Can't parse shipping option prices: {reason}") from None
    return {"id": item["id"], "title": item["title"], "prices": prices}


def _required(p: Any, name: str) -> str:
    value = p.text(name)
    if not value:
        raise bad_request(f'parameter "{name}" is required')
    return str(value)


def _long(value: Any, error: str) -> int:
    """An integer given as a JSON number or a string of digits (tdlib's get_long_field)."""
    if value in (None, ""):
        return 0
    if isinstance(value, bool | float):
        raise bad_request(error)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    raise bad_request(error)


def _tips(value: Any) -> list[int]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        raise bad_request("can't parse suggested_tip_amounts JSON object")
    if not isinstance(value, list):
        raise bad_request("expected an Array of suggested tip amounts")
    return [_long(v, "can't parse suggested tip amount as Number") for v in value]


def _check_tips(max_tip: int, tips: list[int]) -> None:
    if max_tip < 0 or max_tip > _MAX_AMOUNT:
        raise bad_request("invalid max_tip_amount of the currency specified")
    for tip in tips:
        if tip <= 0:
            raise bad_request("suggested tip amount must be positive")
        if tip > max_tip:
            raise bad_request("suggested tip amount can't be bigger than max_tip_amount")
    if len(tips) > MAX_SUGGESTED_TIPS:
        raise bad_request("there can be at most 4 suggested tip amounts")
