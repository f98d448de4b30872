"""What the web application carries for its routes."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.process.deps import Deps

DEPS: web.AppKey[Deps] = web.AppKey("deps", Deps)
TELEGRAM: web.AppKey[Application[Any, Any, Any, Any, Any, Any]] = web.AppKey(
    "telegram", Application
)
