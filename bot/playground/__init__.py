"""Local development helpers: a fake Telegram Bot API server, a fake Stripe with its test payment
page, and the terminal playground that runs the real bot against both."""
