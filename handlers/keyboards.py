"""Inline keyboards and their callback data. Every callback_data is checked to fit 64 bytes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64


def callback(*parts: str | int) -> str:
    """Join parts into callback data, refusing anything Telegram would reject."""
    data = ":".join(str(p) for p in parts)
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data must be 1-{MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def button(text: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callback(*parts))


def grid(buttons: Iterable[InlineKeyboardButton], columns: int) -> list[list[InlineKeyboardButton]]:
    rows: list[list[InlineKeyboardButton]] = []
    for b in buttons:
        if not rows or len(rows[-1]) == columns:
            rows.append([])
        rows[-1].append(b)
    return rows


def markup(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(r) for r in rows if r])
