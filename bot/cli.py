"""`shopbot run | chat | migrate | demo | sync | fx | translate | data-key | refund | ops |
deals`: the command line (the operators' steps: bot/cli_ops.py; the deals' ledger:
bot/cli_deals.py)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram.error import InvalidToken, NetworkError

from bot import cli_deals, cli_ops, crypto, logs, migrate
from bot.config import ConfigError, Settings, get_settings, provider_env
from bot.process.deps import Deps
from bot.services.orders import OrderError
from integrations.errors import IntegrationError

log = logging.getLogger("shopbot")
PLAYGROUND_LOG = "playground.log"  # where `shopbot chat` logs, so the chat stays readable


async def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    from bot.runtime import serve

    await serve(settings, demo_if_empty=args.demo)


async def cmd_chat(settings: Settings, args: argparse.Namespace) -> None:
    from bot.playground.terminal import chat

    await chat(settings, user_language=args.lang, log_file=PLAYGROUND_LOG)


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    deps = Deps.create(settings)
    try:
        todo = await migrate.pending(deps.engine)
        await migrate.upgrade(deps.engine)
        log.info("database is current (%d migration(s) applied)", len(todo))
    finally:
        await deps.close()


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    from bot import demo

    deps = Deps.create(settings)
    try:
        await migrate.upgrade(deps.engine)
        n = await demo.load(deps.sessions, only_if_empty=not args.force)
        log.info("demo catalog: %s", f"{n} products loaded" if n else "catalog not empty, skipped")
    finally:
        await deps.close()


async def cmd_sync(settings: Settings, args: argparse.Namespace) -> None:
    from bot.sync.jobs import sync_one
    from bot.sync.progress import SyncProgress

    deps = Deps.create(settings)
    failed = 0
    try:
        await migrate.upgrade(deps.engine)
        for spec in args.sources:
            progress = SyncProgress()
            report = await sync_one(deps, spec, progress, local_files=True)
            progress.done()
            sys.stdout.write(report.summary() + "\n")
            for line in report.errors[: args.show_errors]:
                sys.stdout.write(f"  {line}\n")
            failed += report.status == "failed"
    finally:
        await deps.close()
    if failed:
        raise SystemExit(1)


async def cmd_fx(settings: Settings, args: argparse.Namespace) -> None:
    from bot.sync.jobs import refresh_rates

    deps = Deps.create(settings)
    try:
        await migrate.upgrade(deps.engine)
        count = await refresh_rates(deps)
        sys.stdout.write(f"exchange rates stored for {count} currencies\n")
    except IntegrationError as exc:
        raise SystemExit(fail(f"error: exchange rates: {exc}", 1)) from None
    finally:
        await deps.close()


async def cmd_translate(settings: Settings, args: argparse.Namespace) -> None:
    from bot.sync.jobs import translate_titles

    def progress(language: str, done: int) -> None:
        sys.stderr.write(f"\r{language}: {done} titles translated")
        sys.stderr.flush()

    deps = Deps.create(settings)
    try:
        await migrate.upgrade(deps.engine)
        report = await translate_titles(
            deps, args.languages or None, limit=args.limit, progress=progress
        )
        sys.stderr.write("\n" if report.requests else "")
        sys.stdout.write(report.summary() + "\n")
    except IntegrationError as exc:
        raise SystemExit(fail(f"error: translating titles: {exc}", 1)) from None
    finally:
        await deps.close()


Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]]
COMMANDS: dict[str, tuple[Command, str]] = {
    "run": (cmd_run, "serve Telegram and the HTTP server (applies migrations first)"),
    "chat": (cmd_chat, "chat with the bot in this terminal, no Telegram account needed"),
    "migrate": (cmd_migrate, "apply database migrations"),
    "demo": (cmd_demo, "load the demo catalog (only into an empty catalog unless --force)"),
    "fx": (cmd_fx, "fetch today's ECB exchange rates (shopbot run does it every 6 hours)"),
    "sync": (cmd_sync, "sync products from sources: a marketplace name, feed:<url-or-path>, demo"),
    "translate": (
        cmd_translate,
        "translate product titles into the shoppers' languages (needs DEEPL_AUTH_KEY or "
        "LIBRETRANSLATE_URL)",
    ),
}


async def cmd_data_key(settings: Settings, args: argparse.Namespace) -> None:
    """A new DATA_KEY entry; with one already set, the next key id (put it first to rotate)."""
    current = settings.data_key.get_secret_value().strip() if settings.data_key else ""
    line = crypto.Keyring.parse(current).generate_key() if current else crypto.generate_key()
    sys.stdout.write(line + "\n")


async def cmd_refund(settings: Settings, args: argparse.Namespace) -> None:
    deps = Deps.create(settings)
    try:
        await migrate.upgrade(deps.engine)
        if not deps.payments.enabled:
            raise ConfigError("configuration error: STRIPE_SECRET_KEY: payments are not configured")
        amount = None if args.amount is None else int(args.amount)
        try:
            refund_id = await deps.payments.refund(args.order, "operator", amount)
        except OrderError as exc:
            sys.stderr.write(f"error: {exc}\n")
            raise SystemExit(1) from None
        sys.stdout.write(f"refund {refund_id} of order {args.order} asked of the provider\n")
    finally:
        await deps.close()


COMMANDS["data-key"] = (
    cmd_data_key,
    "print a new DATA_KEY entry (kid:key); to rotate keys, put it first in DATA_KEY",
)
COMMANDS["refund"] = (
    cmd_refund,
    "refund an order through its payment provider (all that is left, or --amount minor units)",
)


COMMANDS["ops"] = (
    cli_ops.cmd_ops,
    "operators' fulfilment steps: list, bought, seller-shipped, received, qc, pack, ship",
)


COMMANDS["deals"] = (
    cli_deals.cmd_deals,
    "community deals: `deals export` writes the admins' ledger as CSV",
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shopbot", description="Cross-border shopping Telegram bot")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if name == "chat":
            cmd.add_argument(
                "--lang", default="en", help="your Telegram language code (en, ru, zh-hans ...)"
            )
        if name == "sync":
            cmd.add_argument("sources", nargs="+", metavar="SOURCE")
            cmd.add_argument(
                "--show-errors", type=int, default=10, help="item errors to list per source"
            )
        if name == "demo":
            cmd.add_argument(
                "--force", action="store_true", help="load even into a non-empty catalog"
            )
        if name == "run":
            cmd.add_argument(
                "--demo", action="store_true", help="load the demo catalog if the catalog is empty"
            )
        if name == "ops":
            cli_ops.arguments(cmd)
        if name == "deals":
            cli_deals.arguments(cmd)
        if name == "refund":
            cmd.add_argument("order", type=int, help="the order number")
            cmd.add_argument("--amount", type=int, default=None, help="in minor units (cents)")
        if name == "translate":
            cmd.add_argument(
                "languages", nargs="*", metavar="LANG",
                help="codes such as en, pt_BR, zh_Hant (default: TRANSLATE_LANGUAGES, en and ru)",
            )  # fmt: skip
            cmd.add_argument("--limit", type=int, default=None, help="titles per language at most")
    return p


def fail(message: str, code: int) -> int:
    """One line on stderr, no traceback, no secret: what an operator needs to fix the start."""
    sys.stderr.write(logs.redact(message.rstrip()) + "\n")
    return code


def _where(settings: Settings) -> str:
    """The SQLite file a database error is about ("" for PostgreSQL, whose URL says it)."""
    if not settings.is_sqlite:
        return ""
    database = make_url(settings.database_url).database or ""
    return f"database file {os.path.abspath(database)}: " if database else ""


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = get_settings()
    except ConfigError as exc:
        return fail(str(exc), 2)
    logs.configure(
        settings, provider_env(), to_file=PLAYGROUND_LOG if args.command == "chat" else None
    )
    func, _ = COMMANDS[args.command]
    try:
        asyncio.run(func(settings, args))
    except ConfigError as exc:
        return fail(str(exc), 2)
    except InvalidToken:
        return fail("error: Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather)", 1)
    except NetworkError as exc:
        return fail(f"error: cannot reach Telegram at {settings.telegram_api_base_url}: {exc}", 1)
    except (SQLAlchemyError, OSError) as exc:
        first_line = (str(exc).splitlines() or [""])[0]
        return fail(f"error: {_where(settings)}{type(exc).__name__}: {first_line}", 1)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
