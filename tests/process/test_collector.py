"""Full garbage collections at moments the bot chooses: Python's automatic ones off, one run
while a send waits for its slot, and none more often than asked."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.process.collector import NEVER, Collector
from bot.telegram.pacer import Pacer
from tests.telegram.test_pacer import Telegram, VirtualTime, send


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_install_turns_only_the_automatic_full_collections_off(thresholds: None) -> None:
    young, middle, _ = gc.get_threshold()
    Collector().install()
    assert gc.get_threshold() == (young, middle, NEVER)


def test_a_full_collection_at_most_every_so_often() -> None:
    now, runs = [100.0], []
    collector = Collector(every=10, clock=lambda: now[0], collect=lambda: runs.append(now[0]) or 0)
    assert not collector.maybe_collect()  # just made: the last one counts as now
    now[0] = 110.0
    assert collector.maybe_collect() and not collector.maybe_collect()
    now[0] = 115.0
    assert not collector.maybe_collect() and collector.maybe_collect(every=5)
    assert runs == [110.0, 115.0] and collector.collections == 2


async def test_the_pacer_collects_while_a_send_waits_for_its_slot_not_before_one_going_now() -> (
    None
):
    clock, runs = VirtualTime(), []
    collector = Collector(every=0, clock=clock, collect=lambda: runs.append(clock()) or 0)
    pacer, tg = Pacer(30, clock=clock, sleep=clock.sleep, collector=collector), Telegram(clock)
    await clock.run(send(pacer, tg, 1))
    assert runs == []  # sent at once: nothing in its way
    await clock.run(send(pacer, tg, 2), send(pacer, tg, 3))
    assert runs == [1000.0, 1000.0]  # both waited for a slot: each collected before it
    assert tg.times() == sorted(tg.times()) and len(tg.times()) == 3
