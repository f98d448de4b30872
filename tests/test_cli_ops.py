"""`shopbot ops ...` as a process: an operator takes a paid order from the list to a shipped
parcel from the command line, and a step out of turn fails in one line."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import select

from bot import models
from bot.config import Settings
from bot.process.deps import Deps
from bot.services import fulfilment, orders
from tests.services.test_fulfilment import USER, a_paid_order


async def shopbot(settings: Settings, cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": settings.database_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "ops", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_an_operator_ships_an_order_from_the_command_line(
    deps: Deps, settings: Settings, tmp_path: Path
) -> None:
    order_id = await a_paid_order(deps)
    code, out, _ = await shopbot(settings, tmp_path, "list")
    assert code == 0 and out.startswith(f"{order_id}\tpaid\t")

    code, _, err = await shopbot(settings, tmp_path, "received", str(order_id))
    assert code == 1 and err.startswith("error: order") and "Traceback" not in err

    steps = [
        ("bought", str(order_id), "TB-1"),
        ("seller-shipped", str(order_id), "SF1234567890123"),
        ("qc", str(order_id), "https://example.com/qc/1.jpg"),
    ]
    for step in steps:
        code, out, err = await shopbot(settings, tmp_path, *step)
        assert code == 0, err
        assert out.strip() == f"order {order_id}: {step[0]} (the shopper's alert is queued)"
    async with deps.sessions.begin() as s:
        await fulfilment.qc_answer(s, order_id, USER, approve=True)
    code, out, _ = await shopbot(
        settings, tmp_path, "pack", str(order_id), "--weight", "800", "--size", "20x15x5"
    )
    async with deps.sessions() as s:
        parcel_id = await s.scalar(select(models.Parcel.id))
    assert code == 0 and out.strip() == f"parcel {parcel_id} packed: orders {order_id}"
    code, out, _ = await shopbot(settings, tmp_path, "ship", str(parcel_id), "RR123456785CN")
    assert code == 0 and "shipped as RR123456785CN (china-post)" in out
    async with deps.sessions() as s:
        order = await orders.get(s, order_id)
        photos = await s.scalar(select(models.Alert.params).where(models.Alert.kind == "qc_photos"))
    assert order.status == "shipped"
    assert photos is not None and photos["photos"] == ["https://example.com/qc/1.jpg"]


async def test_a_bad_size_or_number_is_one_line(
    deps: Deps, settings: Settings, tmp_path: Path
) -> None:
    code, _, err = await shopbot(settings, tmp_path, "pack", "1", "--weight", "5", "--size", "big")
    assert code == 1 and err == "error: --size: LxWxH in centimetres, like 30x20x10\n"
    code, _, err = await shopbot(settings, tmp_path, "ship", "1", "R" * 300)
    assert code == 1 and err == "error: not a tracking number: too long\n"
