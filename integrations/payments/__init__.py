"""Payment providers: one interface (`PaymentProvider`), one package per provider."""

from integrations.payments.base import PaymentProvider

__all__ = ["PaymentProvider"]
