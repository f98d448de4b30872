"""A local Telegram Bot API server that enforces Telegram's rules, for the playground and the
end-to-end tests."""
