"""17TRACK ("17track"; settings SEVENTEENTRACK_*): parcel tracking by API and signed webhooks."""

from integrations.couriers.seventeentrack.adapter import SeventeenTrack

Courier = SeventeenTrack

__all__ = ["Courier", "SeventeenTrack"]
