"""The HTTP server beside the bot: health and metrics, and the webhooks providers call."""
