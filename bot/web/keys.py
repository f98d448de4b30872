"""What the web application carries for its routes."""

from __future__ import annotations

from aiohttp import web

from bot.process.deps import Deps
from bot.telegram.app import ShopbotApplication
from bot.web.intake import Intake

DEPS: web.AppKey[Deps] = web.AppKey("deps", Deps)
TELEGRAM: web.AppKey[ShopbotApplication] = web.AppKey("telegram", ShopbotApplication)
INTAKE: web.AppKey[Intake] = web.AppKey("intake", Intake)
