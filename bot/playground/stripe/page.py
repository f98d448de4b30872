"""The hosted payment page of the fake: what a shopper sees at a Checkout Session's `url`.

No card form: a "Pay" and a "Fail" button, and a box to pay by an asynchronous method (the
session completes unpaid and settles, or bounces, a moment later), which is every outcome the
bot has to handle. Everything shown is escaped.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from bot.playground.stripe.wire import JsonDict
from integrations.payments.stripe.currencies import THREE_DECIMAL, ZERO_DECIMAL

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}
table{width:100%;border-collapse:collapse}td{padding:.3rem 0}td.n{text-align:right}
.total{font-weight:bold;border-top:1px solid #ccc}.note{color:#666;font-size:.9rem}
button{font-size:1rem;padding:.5rem 1.2rem;margin:.8rem .5rem 0 0}
.msg{padding:.6rem;background:#fee;border:1px solid #e99}
"""


def amount_text(minor: int, currency: str) -> str:
    code = currency.upper()
    digits = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    return f"{Decimal(minor).scaleb(-digits):,.{digits}f} {code}"


def render(session: JsonDict, lines: list[JsonDict], message: str = "") -> str:
    sid = escape(str(session["id"]))
    currency = str(session["currency"])
    rows = "".join(
        f"<tr><td>{escape(str(line['name']))} × {int(line['quantity'])}</td>"
        f"<td class=n>{amount_text(int(line['unit_amount']) * int(line['quantity']), currency)}"
        "</td></tr>"
        for line in lines
    )
    total = amount_text(int(session["amount_total"]), currency)
    methods = ", ".join(escape(str(m)) for m in session.get("payment_method_types") or [])
    body = (
        f"<h1>Test payment</h1><p class=note>Local fake of Stripe Checkout. Session {sid}.</p>"
        + (f"<p class=msg>{escape(message)}</p>" if message else "")
        + f"<table>{rows}<tr class=total><td>Total</td><td class=n>{total}</td></tr></table>"
        + f"<p class=note>Methods: {methods}</p>"
        + _actions(session)
    )
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>Pay {total}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _actions(session: JsonDict) -> str:
    status, paid = session.get("status"), session.get("payment_status")
    if status == "expired":
        return "<p><b>This payment link has expired.</b></p>"
    if status == "complete":
        state = "Paid." if paid == "paid" else "Payment is processing."
        return f"<p><b>{state}</b></p>"
    sid = escape(str(session["id"]))
    cancel = escape(str(session.get("cancel_url") or ""))
    back = f' <a href="{cancel}">Back to the shop</a>' if cancel else ""
    return (
        f'<form method=post action="/pay/{sid}/succeed">'
        "<label><input type=checkbox name=delayed value=1> Pay by an asynchronous method "
        "(completes now, settles a moment later)</label><br>"
        "<button type=submit>Pay</button>"
        f'<button type=submit formaction="/pay/{sid}/fail">Fail</button>'
        f"</form><p>{back}</p>"
    )
