"""AfterShip: parcel tracking across carriers, by API and signed webhooks."""

from integrations.couriers.aftership.adapter import AfterShip

Courier = AfterShip

__all__ = ["AfterShip", "Courier"]
