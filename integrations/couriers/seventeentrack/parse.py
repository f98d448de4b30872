"""A 17TRACK v2.2 tracking entry (``{number, carrier, tag, track_info}``) as a TrackingUpdate.

Read: ``track_info.latest_status.{status, sub_status}`` and every provider's events,
``track_info.tracking.providers[].events[]`` with ``time_utc`` else ``time_iso`` (an event
without a usable time is skipped), ``description``, ``location`` else ``address``'s city /
state / country, and ``sub_status`` (its main status is the part before "_"). Events come
newest first; checkpoints are returned oldest first. 17TRACK gives events no id: each key is
a digest (base.checkpoint_key). ``carrier`` is 17TRACK's numeric carrier key, as text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from integrations.couriers.base import checkpoint_key, parse_time, text
from integrations.couriers.seventeentrack.statuses import main_status, status
from integrations.types import Checkpoint, TrackingStatus, TrackingUpdate

NAME = "17track"


class Malformed(ValueError):
    """The entry is not a 17TRACK tracking (the caller picks the error it means)."""


def update(
    entry: Mapping[str, Any],
    *,
    stopped: bool = False,
    raw: Mapping[str, Any] | None = None,
) -> TrackingUpdate:
    number = text(entry.get("number"))
    if not number:
        raise Malformed("the entry has no number")
    info = entry.get("track_info") or {}
    if not isinstance(info, dict):
        raise Malformed("track_info is not an object")
    latest = info.get("latest_status") or {}
    if not isinstance(latest, dict):
        raise Malformed("latest_status is not an object")
    main, sub = text(latest.get("status")), text(latest.get("sub_status"))
    carrier = entry.get("carrier")
    return TrackingUpdate(
        provider=NAME,
        number=number,
        carrier=str(carrier) if isinstance(carrier, int) and carrier > 0 else None,
        status=status(main, sub),
        provider_status=main,
        provider_substatus=sub,
        checkpoints=tuple(sorted(_checkpoints(number, info), key=lambda cp: cp.occurred_at)),
        stopped=stopped,
        raw=raw if raw is not None else entry,
    )


def _checkpoints(number: str, info: Mapping[str, Any]) -> Iterator[Checkpoint]:
    tracking = info.get("tracking") or {}
    providers = tracking.get("providers") if isinstance(tracking, dict) else None
    if providers is None:
        return
    if not isinstance(providers, list):
        raise Malformed("tracking.providers is not a list")
    seen: set[str] = set()
    for provider in providers:
        events = provider.get("events") if isinstance(provider, dict) else None
        for event in events if isinstance(events, list) else ():
            found = checkpoint(number, event) if isinstance(event, dict) else None
            if found is not None and found.key not in seen:
                seen.add(found.key)
                yield found


def checkpoint(number: str, event: Mapping[str, Any]) -> Checkpoint | None:
    occurred_at = parse_time(event.get("time_utc")) or parse_time(event.get("time_iso"))
    if occurred_at is None:
        return None
    sub = text(event.get("sub_status"))
    main = main_status(sub)
    location = text(event.get("location")) or _place(event.get("address"))
    message = text(event.get("description"))
    return Checkpoint(
        key=checkpoint_key(number, occurred_at, main, sub, location, message),
        # A scan the tables cannot place still moved the parcel.
        status=status(main, sub) or TrackingStatus.IN_TRANSIT,
        provider_status=main,
        provider_substatus=sub,
        occurred_at=occurred_at,
        location=location,
        message=message,
    )


def _place(address: object) -> str:
    if not isinstance(address, dict):
        return ""
    parts = (text(address.get(k)) for k in ("city", "state", "country"))
    return ", ".join(part for part in parts if part)
