"""`shopbot deals export [--since YYYY-MM-DD] [--admin ID]`: the community admins' ledger as CSV
on standard output (one row per admin, community and currency: deals, opens, carts, orders,
paid, commission at DEAL_COMMISSION_PERCENT)."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import UTC, datetime

from bot import migrate
from bot.config import Settings
from bot.process.deps import Deps
from bot.services import deals

COLUMNS = ("admin_id", "community_id", "community", "deals", "opens", "carts", "orders",
           "currency", "paid", "commission", "commission_percent")  # fmt: skip


def arguments(cmd: argparse.ArgumentParser) -> None:
    what = cmd.add_subparsers(dest="what", required=True, metavar="WHAT")
    export = what.add_parser("export", help="the ledger as CSV on standard output")
    export.add_argument("--since", type=_day, default=None, help="YYYY-MM-DD (UTC)")
    export.add_argument("--admin", type=int, default=None, help="one admin's Telegram id")


def _day(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError("expected YYYY-MM-DD") from None


async def cmd_deals(settings: Settings, args: argparse.Namespace) -> None:
    deps = Deps.create(settings)
    try:
        await migrate.upgrade(deps.engine)
        percent = settings.deal_commission_percent
        async with deps.sessions() as session:
            credits = await deals.ledger(session, percent, admin_id=args.admin, since=args.since)
    finally:
        await deps.close()
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(COLUMNS)
    for c in credits:
        head = [c.admin_id, c.community_id, c.community, c.deals, c.opens, c.carts, c.orders]
        if not c.paid:
            out.writerow([*head, "", "0", "0", percent])
        for paid, share in zip(c.paid, c.commission, strict=True):
            out.writerow([*head, paid.currency, paid.amount, share.amount, percent])
