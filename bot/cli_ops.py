"""`shopbot ops ...`: the operators' fulfilment steps from the command line (the same steps as
the bot's /ops, /bought, ... commands: bot/process/operators.py).

  shopbot ops list [--status STATUS]
  shopbot ops bought ORDER MARKETPLACE_REF
  shopbot ops seller-shipped ORDER NUMBER
  shopbot ops received ORDER
  shopbot ops qc ORDER PHOTO...          (Telegram file ids or https addresses)
  shopbot ops pack ORDER... --weight GRAMS --size LxWxH
  shopbot ops ship PARCEL NUMBER [--carrier CODE]

Each step is committed at once; the shopper's alert is sent by the running bot (its minute's
sweep), and a shipped number is registered with the courier provider by this command.
"""

from __future__ import annotations

import argparse
import re
import sys

from bot import migrate
from bot.config import Settings
from bot.process import operators
from bot.process.deps import Deps
from bot.services import fulfilment
from bot.services.order_states import IllegalTransition
from bot.services.orders import OrderError
from integrations.couriers.detect import BadNumber

WHY = {"empty": "empty", "too_long": "too long",
       "unknown_format": "letters and digits only, 5 to 40 of them"}  # fmt: skip
CLI_OPERATOR = 0  # the timeline's operator for steps taken here
SIZE = re.compile(r"^(\d{1,3})[x×*](\d{1,3})[x×*](\d{1,3})$", re.IGNORECASE)


def arguments(cmd: argparse.ArgumentParser) -> None:
    steps = cmd.add_subparsers(dest="step", required=True, metavar="STEP")
    listing = steps.add_parser("list", help="orders waiting for an operator")
    listing.add_argument("--status", action="append", help="only these states (repeatable)")
    bought = steps.add_parser("bought", help="an order was bought at the seller")
    bought.add_argument("order", type=int)
    bought.add_argument("ref", help="the marketplace's order number")
    shipped = steps.add_parser("seller-shipped", help="the seller shipped it to the warehouse")
    shipped.add_argument("order", type=int)
    shipped.add_argument("number", help="the domestic tracking number")
    received = steps.add_parser("received", help="it arrived at the warehouse")
    received.add_argument("order", type=int)
    qc = steps.add_parser("qc", help="send the shopper QC photos to approve or return")
    qc.add_argument("order", type=int)
    qc.add_argument("photos", nargs="+", metavar="PHOTO")
    pack = steps.add_parser("pack", help="consolidate stored orders into one parcel")
    pack.add_argument("orders", type=int, nargs="+", metavar="ORDER")
    pack.add_argument("--weight", type=int, required=True, help="grams")
    pack.add_argument("--size", required=True, help="LxWxH in centimetres")
    ship = steps.add_parser("ship", help="a parcel left with a carrier and tracking number")
    ship.add_argument("parcel", type=int)
    ship.add_argument("number")
    ship.add_argument("--carrier", default=None, help="carrier code (default: from the number)")


async def cmd_ops(settings: Settings, args: argparse.Namespace) -> None:
    deps = Deps.create(settings)
    try:
        await migrate.upgrade(deps.engine)
        try:
            sys.stdout.write(await _step(deps, args) + "\n")
        except BadNumber as exc:
            sys.stderr.write(f"error: not a tracking number: {WHY[exc.reason]}\n")
            raise SystemExit(1) from None
        except (OrderError, IllegalTransition, ValueError) as exc:
            sys.stderr.write(f"error: {exc}\n")
            raise SystemExit(1) from None
        await deps.couriers.close()  # the shipped number's registration
    finally:
        await deps.close()


async def _step(deps: Deps, args: argparse.Namespace) -> str:
    step = args.step
    if step == "list":
        return await _list(deps, tuple(args.status or fulfilment.WAITING))
    if step == "bought":
        await operators.bought(deps, args.order, CLI_OPERATOR, args.ref)
    elif step == "seller-shipped":
        await operators.seller_shipped(deps, args.order, CLI_OPERATOR, args.number)
    elif step == "received":
        await operators.received(deps, args.order, CLI_OPERATOR)
    elif step == "qc":
        await operators.qc(deps, args.order, CLI_OPERATOR, args.photos)
    elif step == "pack":
        size = SIZE.match(args.size)
        if size is None:
            raise ValueError("--size: LxWxH in centimetres, like 30x20x10")
        dims = fulfilment.Size(args.weight, *(int(d) for d in size.groups()))
        parcel = await operators.pack(deps, args.orders, CLI_OPERATOR, dims)
        return f"parcel {parcel} packed: orders {', '.join(map(str, sorted(set(args.orders))))}"
    else:
        shipped = await operators.ship(deps, args.parcel, CLI_OPERATOR, args.number, args.carrier)
        carrier, told = shipped.carrier or "carrier unknown", ", ".join(map(str, shipped.orders))
        return f"parcel {args.parcel} shipped as {shipped.number} ({carrier}): orders {told}"
    return f"order {args.order}: {step} (the shopper's alert is queued)"


async def _list(deps: Deps, statuses: tuple[str, ...]) -> str:
    async with deps.sessions() as session:
        waiting = await fulfilment.waiting(session, statuses)
    if not waiting:
        return "nothing waits for an operator"
    return "\n".join(
        f"{o.id}\t{o.status}\t{o.total.amount} {o.total.currency}\t{o.items} items\t"
        f"{o.updated_at:%Y-%m-%d %H:%M}\tparcel {o.parcel_id or '-'}"
        for o in waiting
    )
