"""Telegram handlers only: parse the update, call a service, render a reply. Wired in wiring.py."""
