"""AfterShip's tags and sub-tags onto TrackingStatus, as data.

A sub-tag listed here decides; any other (a sub-tag newer than this table) falls back to its
tag. Pending (nothing known yet) is None, and so is a tag not listed: the provider's own tag
and sub-tag are kept beside it either way. Customs sub-tags become the customs_* statuses;
"returning / returned to sender" become returning. Exception_006 (held for payment) stays an
exception: it may be duties, or cash on delivery.
"""

from __future__ import annotations

from integrations.types import TrackingStatus as S

TAGS: dict[str, S | None] = {
    "Pending": None,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit": S.IN_TRANSIT,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "AttemptFail": S.DELIVERY_FAILED,
    "Delivered": S.DELIVERED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "Exception": S.EXCEPTION,
    "Expired": S.EXPIRED,
}

SUBTAGS: dict[str, S | None] = {
    **{f"Pending_00{n}": None for n in range(1, 7)},
    "InfoReceived_001": S.INFO_RECEIVED,
    "InTransit_001": S.IN_TRANSIT,  # on the way
    "InTransit_002": S.IN_TRANSIT,  # acceptance scan
    "InTransit_003": S.IN_TRANSIT,  # arrival scan at a hub
    "InTransit_004": S.IN_TRANSIT,  # arrived in the destination country
    "InTransit_005": S.CUSTOMS_RELEASED,  # customs clearance completed
    "InTransit_006": S.CUSTOMS_PROCESSING,  # handed over to customs
    "InTransit_007": S.IN_TRANSIT,  # departure scan
    "InTransit_008": S.IN_TRANSIT,  # problem resolved
    "InTransit_009": S.IN_TRANSIT,  # forwarded to another address
    "OutForDelivery_001": S.OUT_FOR_DELIVERY,
    "OutForDelivery_002": S.AVAILABLE_FOR_PICKUP,  # older versions: at a pickup point
    "OutForDelivery_003": S.OUT_FOR_DELIVERY,  # customer contacted
    "OutForDelivery_004": S.OUT_FOR_DELIVERY,  # appointment scheduled
    "AttemptFail_001": S.DELIVERY_FAILED,
    "AttemptFail_002": S.DELIVERY_FAILED,  # addressee not available
    "AttemptFail_003": S.DELIVERY_FAILED,  # business closed
    "Delivered_001": S.DELIVERED,
    "Delivered_002": S.DELIVERED,  # picked up by the customer
    "Delivered_003": S.DELIVERED,  # signed by the customer
    "Delivered_004": S.DELIVERED,  # delivered, cash collected
    "AvailableForPickup_001": S.AVAILABLE_FOR_PICKUP,
    "Exception_001": S.EXCEPTION,
    "Exception_002": S.EXCEPTION,  # customer moved
    "Exception_003": S.EXCEPTION,  # refused by the customer
    "Exception_004": S.CUSTOMS_ACTION_REQUIRED,  # delayed: customs clearance issues
    "Exception_005": S.EXCEPTION,  # delayed: external factors
    "Exception_006": S.EXCEPTION,  # held for payment
    "Exception_007": S.EXCEPTION,  # incorrect address
    "Exception_008": S.EXCEPTION,  # pickup missed
    "Exception_009": S.EXCEPTION,  # rejected by the carrier
    "Exception_010": S.RETURNING,  # returning to sender
    "Exception_011": S.RETURNING,  # returned to sender
    "Exception_012": S.EXCEPTION,  # damaged
    "Exception_013": S.EXCEPTION,  # lost
    "Expired_001": S.EXPIRED,
}


def status(tag: str, subtag: str) -> S | None:
    """The normalized status of an AfterShip tag and sub-tag (None: nothing known yet)."""
    return SUBTAGS[subtag] if subtag in SUBTAGS else TAGS.get(tag)
