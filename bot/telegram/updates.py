"""Updates that do not come from Telegram: a payment settled, a parcel moved.

They are fed to the Application like Telegram's own (python-telegram-bot's customwebhookbot
way: `application.update_queue.put(...)`, handled by a TypeHandler), so they get the same
context, error handler, metrics and concurrency as a message. A web route that verified a
provider's signature builds one and hands it over; the handler does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ServiceUpdate:
    """One event from a provider. `source` names it ("stripe", "aftership" ...), `event_id` is
    the provider's own id (what makes a repeat recognisable), `user_id` / `chat_id` whom it
    concerns, when known, so the handler's context carries their data."""

    source: str
    event_id: str
    user_id: int | None = None
    chat_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def kind(self) -> str:
        """How /metrics counts it: `service:<source>`."""
        return f"service:{self.source}"
