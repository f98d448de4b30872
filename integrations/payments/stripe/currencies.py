"""Stripe's own currency rules: which currencies it charges in and how it counts their minor units.

Stripe's amounts are integers in *Stripe's* minor unit, which is not always ISO 4217's:
- zero-decimal currencies are sent as whole units (JPY 500 -> 500);
- three-decimal currencies (BHD, JOD, KWD, OMR, TND) are sent in thousandths, but the last digit
  must be 0 (KWD 5.120 -> 5120; KWD 5.124 is refused);
- ISK is two-decimal for Stripe (ISO says zero) and card networks take whole kronur only since
  April 2023, so ISK 40 -> 4000 and ISK 40.10 is refused;
- every other charge currency is two-decimal (USD 10 -> 1000). HUF and TWD are two-decimal for
  charges; only their payouts are whole units, which does not concern us.

Sources (checked 2025): https://docs.stripe.com/currencies (presentment currencies, zero- and
three-decimal lists, special cases, minimum charge amounts);
https://support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds;
https://docs.stripe.com/payments/alipay/accept-a-payment?payment-ui=checkout and
https://docs.stripe.com/payments/wechat-pay/accept-a-payment?payment-ui=checkout ("Presentment
currencies" of each method).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from integrations.money import Money

# Stripe's supported presentment currencies (upper case here; Stripe's API wants lower case).
CHARGE_CURRENCIES = frozenset(
    """
    USD AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT
    LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD
    STD SZL THB TJS TND TOP TRY TTD TWD TZS UAH UGX UYU UZS VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW
    """.split()
)
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())
WHOLE_UNITS_IN_TWO_DECIMALS = frozenset({"ISK"})  # two-decimal amounts, divisible by 100
FALLBACK_CURRENCY = "USD"  # what a shopper is charged in when Stripe cannot charge theirs

# The currencies each wallet accepts in a Checkout Session ("Presentment currencies").
ALIPAY_CURRENCIES = frozenset("AUD CAD CNY EUR GBP HKD JPY MYR NZD SGD USD".split())
WECHAT_PAY_CURRENCIES = frozenset("AUD CAD CHF CNY DKK EUR GBP HKD JPY NOK SEK SGD USD".split())

# Stripe's minimum charge per currency where its docs give one (others: about USD 0.50).
MINIMUM_CHARGE: dict[str, Decimal] = {
    code: Decimal(amount)
    for code, amount in (
        ("USD", "0.50"), ("AED", "2.00"), ("AUD", "0.50"), ("BGN", "1.00"), ("BRL", "0.50"),
        ("CAD", "0.50"), ("CHF", "0.50"), ("CZK", "15.00"), ("DKK", "2.50"), ("EUR", "0.50"),
        ("GBP", "0.30"), ("HKD", "4.00"), ("HUF", "175.00"), ("INR", "0.50"), ("JPY", "50"),
        ("MXN", "10"), ("MYR", "2"), ("NOK", "3.00"), ("NZD", "0.50"), ("PLN", "2.00"),
        ("RON", "2.00"), ("SEK", "3.00"), ("SGD", "0.50"), ("THB", "10"),
    )
}  # fmt: skip


class NotChargeable(ValueError):
    """Stripe cannot charge this currency, or not this exact amount in it."""


def is_chargeable(currency: str) -> bool:
    return currency.upper() in CHARGE_CURRENCIES


def charge_currency(shopper_currency: str) -> str:
    """The currency a shopper pays in: their own when Stripe can charge it, else USD."""
    code = shopper_currency.upper()
    return code if code in CHARGE_CURRENCIES else FALLBACK_CURRENCY


def exponent(currency: str) -> int:
    """Digits after the decimal point in Stripe's amount integers for `currency`."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def step(currency: str) -> Decimal:
    """The smallest amount Stripe charges in `currency` (JPY 1, USD 0.01, KWD 0.010, ISK 1)."""
    code = currency.upper()
    if code in ZERO_DECIMAL or code in WHOLE_UNITS_IN_TWO_DECIMALS:
        return Decimal(1)
    return Decimal("0.01")  # three-decimal amounts end in 0: hundredths as well


def chargeable(money: Money) -> Money:
    """`money` rounded (half to even) to an amount Stripe accepts in its currency."""
    unit = step(money.currency)
    return Money(money.amount.quantize(unit, rounding=ROUND_HALF_EVEN), money.currency)


def to_minor(money: Money) -> int:
    """Stripe's integer amount for `money`; NotChargeable for a currency Stripe does not
    charge or an amount finer than it accepts (round with `chargeable` first)."""
    code = money.currency
    if code not in CHARGE_CURRENCIES:
        raise NotChargeable(f"Stripe does not charge in {code}")
    unit = step(code)
    if money.amount % unit:
        raise NotChargeable(f"{money}: Stripe charges {code} in steps of {unit}")
    return int(money.amount.scaleb(exponent(code)))


def from_minor(minor: int, currency: str) -> Money:
    """Money for a Stripe amount integer (`currency` in either case)."""
    code = currency.upper()
    return Money(Decimal(minor).scaleb(-exponent(code)), code)


def minimum_charge(currency: str) -> Money | None:
    """Stripe's documented minimum for one charge in `currency`, when its docs give one."""
    code = currency.upper()
    amount = MINIMUM_CHARGE.get(code)
    return None if amount is None else Money(amount, code)


def wallets(currency: str) -> list[str]:
    """The wallets (besides cards) Checkout can offer for `currency`, in Stripe's names."""
    code = currency.upper()
    found = []
    if code in ALIPAY_CURRENCIES:
        found.append("alipay")
    if code in WECHAT_PAY_CURRENCIES:
        found.append("wechat_pay")
    return found
