"""The sync engine against real feeds (files and HTTP) and the Taobao fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.models import PriceChange, Product, Sku, SyncRun
from bot.process.deps import Deps
from bot.services import catalog
from bot.sync import engine
from bot.sync.jobs import sync_one
from bot.sync.sources import make_source, source_name
from integrations.http import HttpClient
from tests.integrations.fakes import taobao as fake_taobao
from tests.support import fast_http, serving

HEAD = '<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'


def item(i: int, price: str = "19.90", group: str | None = None, title: str = "手机壳") -> str:
    grp = f"<g:item_group_id>{group}</g:item_group_id><g:color>c{i}</g:color>" if group else ""
    return (
        f"<item><g:id>{i}</g:id><title>{title} {i}</title><g:price>{price} CNY</g:price>"
        f"<link>https://shop.example.cn/{i}</link>{grp}</item>"
    )


def feed(*items: str) -> bytes:
    return (HEAD + "".join(items) + "</channel></rss>").encode()


async def run_feed(deps: Deps, path: Path, data: bytes) -> engine.SyncReport:
    path.write_bytes(data)
    return await sync_one(deps, f"feed:{path}", local_files=True)


async def scalar(deps: Deps, query) -> int:  # type: ignore[no-untyped-def]
    async with deps.sessions() as s:
        return int((await s.execute(query)).scalar_one())


async def test_first_sync_then_idempotent_resync(deps: Deps, tmp_path: Path) -> None:
    path = tmp_path / "store.xml"
    data = feed(item(1, group="A"), item(2, group="A"), item(3), item(4))
    first = await run_feed(deps, path, data)
    assert (first.status, first.created, first.updated, first.unchanged) == ("ok", 3, 0, 0)
    async with deps.sessions() as s:
        stamps = sorted((await s.execute(select(Product.id, Product.updated_at))).all())
    again = await run_feed(deps, path, data)
    assert (again.created, again.updated, again.unchanged, again.gone) == (0, 0, 3, 0)
    async with deps.sessions() as s:
        assert sorted((await s.execute(select(Product.id, Product.updated_at))).all()) == stamps
    assert await scalar(deps, select(func.count()).select_from(Sku)) == 4
    assert await scalar(deps, select(func.count()).select_from(PriceChange)) == 0
    runs = await scalar(
        deps, select(func.count()).select_from(SyncRun).where(SyncRun.status == "ok")
    )
    assert runs == 2


async def test_price_change_and_disappearing_products(deps: Deps, tmp_path: Path) -> None:
    path = tmp_path / "store.xml"
    await run_feed(deps, path, feed(item(1), item(2), item(3)))
    report = await run_feed(deps, path, feed(item(1, price="17.50"), item(3)))
    assert (report.updated, report.unchanged, report.gone) == (1, 1, 1)
    async with deps.sessions() as s:
        change = (await s.execute(select(PriceChange))).scalar_one()
        gone = (
            await s.execute(select(Product).where(Product.external_id == "store:2"))
        ).scalar_one()
    assert (change.old_price_minor, change.new_price_minor) == (1990, 1750)
    assert gone.available is False  # kept: orders may point at it
    back = await run_feed(deps, path, feed(item(1, price="17.50"), item(2), item(3)))
    assert (back.updated, back.unchanged) == (1, 2)


@pytest.mark.parametrize("grouped", [False, True], ids=["alone", "in-a-group"])
async def test_a_listed_product_that_cannot_be_read_keeps_its_last_good_state(
    deps: Deps, tmp_path: Path, grouped: bool
) -> None:
    path = tmp_path / "store.xml"
    group = {"group": "G"} if grouped else {}
    await run_feed(deps, path, feed(item(1, **group), item(2)))
    broken = item(1, price="oops", **group)  # a price no one can read
    report = await run_feed(deps, path, feed(broken, item(2)))
    assert (report.failed, report.gone) == (1, 0)
    async with deps.sessions() as s:
        kept = (
            await s.execute(
                select(Product).where(Product.external_id == "store:" + ("G" if grouped else "1"))
            )
        ).scalar_one()
    assert kept.available and kept.price_minor == 1990  # as it was, until read again
    report = await run_feed(deps, path, feed(item(2)))  # really gone now
    assert report.gone == 1


async def test_bad_items_are_reported_and_the_rest_stored(deps: Deps, tmp_path: Path) -> None:
    bad = (
        "<item><g:id>9</g:id><title>no price</title></item>"
        "<item><g:id>1</g:id><title>dup</title><g:price>1.00 CNY</g:price></item>"
        "<item><g:id>8</g:id><title>x</title><g:price>12.00</g:price></item>"
    )
    report = await run_feed(
        deps,
        tmp_path / "f.xml",
        feed(item(1), bad, item(2, title="&lt;b&gt;&amp;amp;&lt;/b&gt;\x07")),
    )
    assert report.status == "partial"
    assert (report.created, report.failed) == (2, 3)
    assert any("has no currency" in e for e in report.errors)
    async with deps.sessions() as s:
        titles = set((await s.execute(select(Product.title))).scalars())
    assert titles == {"手机壳 1", "& 2"}


async def test_unreadable_feed_fails_without_touching_the_catalog(
    deps: Deps, tmp_path: Path
) -> None:
    path = tmp_path / "store.xml"
    await run_feed(deps, path, feed(item(1), item(2)))
    for data in (b"<rss><channel><item>", b'<!DOCTYPE x [<!ENTITY a "b">]><rss/>', b""):
        report = await run_feed(deps, path, data)
        assert report.status == "failed" and report.error
    missing = await sync_one(deps, f"feed:{tmp_path / 'nope.xml'}", local_files=True)
    assert missing.status == "failed" and "no feed file" in missing.error
    available = select(func.count()).select_from(Product).where(Product.available.is_(True))
    assert await scalar(deps, available) == 2


async def test_a_failed_batch_leaves_the_rest_consistent(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.xml"
    await run_feed(deps, path, feed(*(item(i) for i in range(10))))
    real_store, calls = catalog.store, []

    async def flaky(session, products, index, **kw):  # type: ignore[no-untyped-def]
        calls.append(len(products))
        if len(calls) == 2:
            await real_store(session, products[:1], index, **kw)  # half written, then boom
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return await real_store(session, products, index, **kw)

    monkeypatch.setattr(engine, "BATCH", 4)
    monkeypatch.setattr(catalog, "store", flaky)
    report = await run_feed(deps, path, feed(*(item(i, price="9.99") for i in range(10))))
    assert report.status == "partial" and report.lost_batches == 1
    assert (report.updated, report.failed, report.gone) == (6, 4, 0)  # nothing marked gone
    async with deps.sessions() as s:
        prices = dict(
            (
                await s.execute(
                    select(Sku.external_id, catalog.OFFERS.c.price_minor).join(catalog.OFFERS)
                )
            ).all()
        )
    changed = sorted(k for k, v in prices.items() if v == 999)
    assert len(changed) == 6 and all(prices[k] in (999, 1990) for k in prices)
    batch2 = {str(i) for i in range(4, 8)}
    assert all(prices[k] == 1990 for k in batch2)  # the failed batch rolled back whole


@pytest.fixture
async def feed_server() -> AsyncIterator[tuple[str, list[str]]]:
    plan: list[str] = []

    async def serve(request: web.Request) -> web.Response:
        step = plan.pop(0) if plan else "ok"
        if step == "500":
            return web.Response(status=500)
        return web.Response(body=feed(item(1), item(2)), content_type="application/xml")

    app = web.Application()
    app.router.add_get("/feed.xml", serve)
    async with serving(app) as base:
        yield f"{base}/feed.xml", plan


async def test_feed_over_http_retries_a_500(deps: Deps, feed_server: tuple[str, list[str]]) -> None:
    url, plan = feed_server
    deps.http = fast_http(retries=2, timeout=10)
    deps.provider_env = {"FEED_ALLOW_PRIVATE": "1"}  # the test server is on loopback
    plan.append("500")
    report = await sync_one(deps, f"feed:{url}")
    assert (report.status, report.created) == ("ok", 2)
    async with deps.sessions() as s:
        ids = set((await s.execute(select(Product.external_id))).scalars())
    assert ids == {"127.0.0.1:1", "127.0.0.1:2"}


async def test_taobao_refresh_marks_missing_items_gone(deps: Deps) -> None:
    from integrations.types import Offer
    from integrations.types import Product as P
    from integrations.types import Sku as S

    fake = fake_taobao.FakeTaobao()
    await fake.start()
    try:
        env = {
            "TAOBAO_APP_KEY": fake_taobao.APP_KEY, "TAOBAO_APP_SECRET": fake_taobao.SECRET,
            "TAOBAO_API_BASE": fake.api_base,
        }  # fmt: skip
        deps.provider_env = env
        deps.http = fast_http()
        stale = [
            P("taobao", ext, "old", (S(ext, Offer(__import__("decimal").Decimal("1"), "CNY")),))
            for ext in ("123456", "999999")
        ]
        async with deps.sessions.begin() as s:
            await catalog.upsert(s, stale, source="link")
        report = await sync_one(deps, "taobao")
    finally:
        await fake.close()
    assert (report.updated, report.gone, report.failed) == (1, 1, 0), report.summary()
    async with deps.sessions() as s:
        rows = {p.external_id: p for p in (await s.execute(select(Product))).scalars()}
    assert rows["123456"].title.startswith("适用苹果15手机壳") and rows["123456"].available
    assert rows["999999"].available is False


async def test_unconfigured_or_unknown_sources_fail_clearly(deps: Deps) -> None:
    deps.provider_env = {}
    report = await sync_one(deps, "taobao")
    assert report.status == "failed"
    assert "TAOBAO_APP_KEY" in report.error and "TAOBAO_APP_SECRET" in report.error
    assert (
        "no source called 'aliexpress'; sources are" in (await sync_one(deps, "aliexpress")).error
    )
    assert (await sync_one(deps, "feed:")).status == "failed"


async def test_make_source_kinds(deps: Deps) -> None:
    http = HttpClient()
    assert make_source("demo", {}, http, deps.sessions).complete
    assert make_source("feed:/x.xml", {}, http, deps.sessions).name == "feed:/x.xml"
    shop = make_source(
        "shopify", {"SHOPIFY_STORE_URL": "https://a.myshopify.com"}, http, deps.sessions
    )
    assert shop.complete and shop.marketplace == "shopify"
    await http.close()


async def test_resync_parses_only_what_changed(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from integrations.marketplaces.feed import incremental

    parsed: list[int] = []
    real = incremental.parse_feed

    def counting(data: bytes, **kw):  # type: ignore[no-untyped-def]
        result = real(data, **kw)
        parsed.append(sum(len(p.skus) for p in result.products))
        return result

    monkeypatch.setattr(incremental, "parse_feed", counting)
    path = tmp_path / "store.xml"
    items = [item(i, group=f"G{i // 2}") for i in range(20)]
    await run_feed(deps, path, feed(*items))
    assert sum(parsed) == 20
    parsed.clear()
    items[5] = item(5, price="18.00", group="G2")
    report = await run_feed(deps, path, feed(*items))
    assert sum(parsed) == 2  # only group G2 (items 4 and 5) was parsed again
    assert (report.updated, report.unchanged) == (1, 9)


async def test_items_with_errors_are_reported_on_every_sync(deps: Deps, tmp_path: Path) -> None:
    path = tmp_path / "store.xml"
    data = feed(
        item(1, group="A"),
        "<item><g:id>2</g:id><g:item_group_id>A</g:item_group_id><title>t</title><g:price>oops</g:price></item>",
        item(3),
    )
    first = await run_feed(deps, path, data)
    again = await run_feed(deps, path, data)
    assert (first.created, first.failed) == (2, 1)
    assert (again.failed, again.unchanged + again.updated) == (1, 2)


async def test_gbk_feed_with_declaration(deps: Deps, tmp_path: Path) -> None:
    text = (
        feed(item(1, group="A"), item(2, group="A"))
        .decode()
        .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="GBK"?>')
    )
    path = tmp_path / "gbk.xml"
    path.write_bytes(text.encode("gbk"))
    report = await sync_one(deps, f"feed:{path}", local_files=True)
    assert (report.status, report.created) == ("ok", 1)
    async with deps.sessions() as s:
        title = (await s.execute(select(Product.title))).scalar_one()
    assert title == "手机壳"  # what the variants share
    report = await sync_one(deps, f"feed:{path}", local_files=True)
    assert report.unchanged == 1


def test_a_feed_source_is_named_without_its_credentials() -> None:
    spec = "feed:https://ann:pw@shop.example:8443/f.xml?token=s3cret&page=2"
    name = source_name(spec)
    assert name.startswith("feed:https://shop.example:8443/f.xml?token=***&page=***#")
    assert "s3cret" not in name and "pw" not in name and "ann" not in name
    assert source_name(spec) == name  # stable: it names the source's products
    assert source_name(spec.replace("page=2", "page=3")) != name  # and keeps feeds apart
    for plain in ("feed:https://shop.example/f.xml", "feed:/data/f.xml", "taobao"):
        assert source_name(plain) == plain


async def test_a_running_sync_beats_so_it_is_not_taken_for_dead(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.sync import runs

    monkeypatch.setattr(runs, "BEAT_SECONDS", 0.05)
    beats: list[object] = []

    class Slow:
        name, marketplace, complete = "slow", "demo", False

        def prepare(self, index: object) -> None:
            pass

        async def batches(self):  # type: ignore[no-untyped-def]
            for _ in range(3):
                await asyncio.sleep(0.2)
                async with deps.sessions() as s:
                    beats.append((await s.execute(select(SyncRun.seen_at))).scalar_one())
                yield engine.Batch()

    report = await engine.run(deps.sessions, Slow())  # type: ignore[arg-type]
    assert report.status == "ok"
    assert beats[0] < beats[1] < beats[2]  # the heartbeat moved while the run was in hand
