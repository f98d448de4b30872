"""Stripe Checkout: payment links (card, and Alipay / WeChat Pay where the currency allows)
through the official SDK, and its signed webhook events as PaymentEvents."""

from integrations.payments.stripe.client import MANIFEST, StripePayments
from integrations.payments.stripe.currencies import charge_currency, chargeable

__all__ = ["MANIFEST", "StripePayments", "charge_currency", "chargeable"]
