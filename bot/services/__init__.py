"""Domain logic as plain async functions taking an AsyncSession. No Telegram types in here."""
