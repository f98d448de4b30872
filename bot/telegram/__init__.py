"""Telegram transport: the Application builder, the Bot subclass, the aiohttp request backend,
and the update types of events that come from elsewhere (payments, couriers)."""
