"""17TRACK v2.2 statuses and sub-statuses onto TrackingStatus, as data.

A sub-status listed here decides; any other falls back to its main status (the part before
"_"), then to ``latest_status.status``. NotFound (nothing known yet) is None, and so is a
status not listed: the provider's own status and sub-status are kept beside it either way.
Customs sub-statuses become the customs_* statuses; Exception_Returning / _Returned become
returning. DeliveryFailure_Security ("security, customs or fee issue") stays delivery_failed.
"""

from __future__ import annotations

from integrations.types import TrackingStatus as S

STATUSES: dict[str, S | None] = {
    "NotFound": None,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit": S.IN_TRANSIT,
    "Expired": S.EXPIRED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "DeliveryFailure": S.DELIVERY_FAILED,
    "Delivered": S.DELIVERED,
    "Exception": S.EXCEPTION,
}

SUBSTATUSES: dict[str, S | None] = {
    "NotFound_Other": None,
    "NotFound_InvalidCode": None,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit_PickedUp": S.IN_TRANSIT,
    "InTransit_Other": S.IN_TRANSIT,
    "InTransit_Departure": S.IN_TRANSIT,
    "InTransit_Arrival": S.IN_TRANSIT,
    "InTransit_CustomsProcessing": S.CUSTOMS_PROCESSING,
    "InTransit_CustomsReleased": S.CUSTOMS_RELEASED,
    "InTransit_CustomsRequiringInformation": S.CUSTOMS_ACTION_REQUIRED,
    "Expired_Other": S.EXPIRED,
    "AvailableForPickup_Other": S.AVAILABLE_FOR_PICKUP,
    "OutForDelivery_Other": S.OUT_FOR_DELIVERY,
    "DeliveryFailure_Other": S.DELIVERY_FAILED,
    "DeliveryFailure_NoBody": S.DELIVERY_FAILED,
    "DeliveryFailure_Security": S.DELIVERY_FAILED,
    "DeliveryFailure_Rejected": S.DELIVERY_FAILED,
    "DeliveryFailure_InvalidAddress": S.DELIVERY_FAILED,
    "Delivered_Other": S.DELIVERED,
    "Exception_Other": S.EXCEPTION,
    "Exception_Returning": S.RETURNING,
    "Exception_Returned": S.RETURNING,
    "Exception_NoBody": S.EXCEPTION,
    "Exception_Security": S.EXCEPTION,
    "Exception_Damage": S.EXCEPTION,
    "Exception_Rejected": S.EXCEPTION,
    "Exception_Delayed": S.EXCEPTION,
    "Exception_Lost": S.EXCEPTION,
    "Exception_Destroyed": S.EXCEPTION,
    "Exception_Cancel": S.EXCEPTION,
}


def main_status(substatus: str) -> str:
    """The main status a sub-status belongs to ("InTransit_PickedUp" -> "InTransit")."""
    return substatus.split("_", 1)[0]


def status(main: str, substatus: str) -> S | None:
    """The normalized status of a 17TRACK status and sub-status (None: nothing known yet)."""
    if substatus in SUBSTATUSES:
        return SUBSTATUSES[substatus]
    return STATUSES.get(main_status(substatus)) or STATUSES.get(main)
