"""A local fake of Stripe (Checkout Sessions, refunds, a payment page, signed webhook events)
that the real `stripe` SDK talks to, for the playground and the tests."""

from bot.playground.stripe.server import FakeStripe, Received, StripeApiError

__all__ = ["FakeStripe", "Received", "StripeApiError"]
