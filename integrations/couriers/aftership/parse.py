"""An AfterShip tracking object as a TrackingUpdate.

Fields read: ``tracking_number``, ``slug``, ``tag``, ``subtag``, ``active`` (false once AfterShip
stopped tracking) and ``checkpoints[]``: ``checkpoint_time`` (the carrier's time, with or
without offset; without one it is taken as UTC) else ``created_at``, ``tag``, ``subtag``,
``message`` else ``subtag_message``, ``location`` else city / state / country, and ``hash``
(newer API versions: the checkpoint's own id). A checkpoint without a usable time is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.couriers.aftership.statuses import status
from integrations.couriers.base import checkpoint_key, parse_time, text
from integrations.types import Checkpoint, TrackingStatus, TrackingUpdate

NAME = "aftership"


class Malformed(ValueError):
    """The object is not an AfterShip tracking (the caller picks the error it means)."""


def update(
    tracking: Mapping[str, Any],
    *,
    delivery_id: str | None = None,
    raw: Mapping[str, Any] | None = None,
) -> TrackingUpdate:
    number = text(tracking.get("tracking_number"))
    if not number:
        raise Malformed("the tracking has no tracking_number")
    tag, subtag = text(tracking.get("tag")), text(tracking.get("subtag"))
    return TrackingUpdate(
        provider=NAME,
        number=number,
        carrier=text(tracking.get("slug")) or None,
        status=status(tag, subtag),
        provider_status=tag,
        provider_substatus=subtag,
        checkpoints=checkpoints(number, tracking.get("checkpoints")),
        delivery_id=delivery_id,
        stopped=tracking.get("active") is False,
        raw=raw if raw is not None else tracking,
    )


def checkpoints(number: str, items: object) -> tuple[Checkpoint, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise Malformed("checkpoints is not a list")
    found = [cp for item in items if isinstance(item, dict) and (cp := checkpoint(number, item))]
    return tuple(sorted(found, key=lambda cp: cp.occurred_at))


def checkpoint(number: str, item: Mapping[str, Any]) -> Checkpoint | None:
    occurred_at = parse_time(item.get("checkpoint_time")) or parse_time(item.get("created_at"))
    if occurred_at is None:
        return None
    tag, subtag = text(item.get("tag")), text(item.get("subtag"))
    location = text(item.get("location")) or _place(item)
    message = text(item.get("message")) or text(item.get("subtag_message"))
    key = text(item.get("hash")) or checkpoint_key(
        number, occurred_at, tag, subtag, location, message
    )
    return Checkpoint(
        key=key,
        # A scan the tables cannot place still moved the parcel.
        status=status(tag, subtag) or TrackingStatus.IN_TRANSIT,
        provider_status=tag,
        provider_substatus=subtag,
        occurred_at=occurred_at,
        location=location,
        message=message,
    )


def _place(item: Mapping[str, Any]) -> str:
    country = next(
        (
            text(item.get(k))
            for k in ("country_region_name", "country_name", "country_region", "country_iso3")
            if text(item.get(k))
        ),
        "",
    )
    parts = (text(item.get("city")), text(item.get("state")), country)
    return ", ".join(part for part in parts if part)
