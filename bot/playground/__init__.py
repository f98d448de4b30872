"""Local development helpers: a fake Telegram Bot API server and a terminal playground."""
