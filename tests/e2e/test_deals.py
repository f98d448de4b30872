"""Communities: the bot added to and removed from groups, their admins' settings and deals, a
deal's shoppers credited once, watches firing once, digests that post only what is new."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot import models
from bot.config import Settings
from bot.db import utcnow
from bot.playground.botapi.model import FakeChat
from bot.playground.botapi.server import LocalBotApi
from bot.process import community_jobs
from bot.process.deps import Deps
from bot.services import checkout, deals, digests, users
from handlers import digests as posting
from tests.e2e.harness import Shopper
from tests.support import product, store

GROUP = -100777
ADMIN = 4001


@pytest.fixture
def group(botapi: LocalBotApi) -> FakeChat:
    chat = botapi.make_group(GROUP, "China finds")
    botapi.member_status[GROUP] = {ADMIN: "administrator"}
    return chat


async def in_group(api: LocalBotApi, someone: Shopper, chat: FakeChat, text: str) -> list[str]:
    """`someone` writes `text` in the group; what the bot posted there in answer."""
    before = {m.message_id for m in api.messages(chat.id)}
    await someone._feed(api.make_message_update(someone.user, text, chat=chat))
    return [m.text or m.caption or "" for m in api.messages(chat.id) if m.message_id not in before]


async def added(api: LocalBotApi, admin: Shopper, chat: FakeChat) -> None:
    await admin._feed(api.make_bot_added_update(admin.user, chat, "administrator"))


def people(shopper: Callable[..., Shopper], botapi: LocalBotApi) -> tuple[Shopper, Shopper]:
    admin = Shopper(botapi, shopper().app, botapi.user(ADMIN, first_name="Ada"))
    return admin, shopper("en", first_name="Ben")


async def test_the_bot_notices_groups_and_only_admins_configure_them(
    shopper: Callable[..., Shopper], botapi: LocalBotApi, deps: Deps, group: FakeChat
) -> None:
    admin, ben = people(shopper, botapi)
    await added(botapi, admin, group)
    async with deps.sessions() as s:
        community = await s.get(models.Community, GROUP)
    assert community is not None and community.active and community.title == "China finds"
    (refused,) = await in_group(botapi, ben, group, "/settings")
    assert refused == "Only this group's admins can change its settings."
    (shown,) = await in_group(botapi, admin, group, "/settings")
    assert "Settings of this group" in shown and "Digest of price drops: off" in shown
    menu = botapi.messages(GROUP)[-1]
    answer = await ben.press_data(f"cs:{GROUP}:dig:daily", menu, check=False)  # a member forging
    assert "admins" in (answer.text or "")
    await admin.press_data(f"cs:{GROUP}:cur:EUR", menu, check=False)
    await admin.press_data(f"cs:{GROUP}:dig:weekly", menu, check=False)
    async with deps.sessions() as s:
        community = await s.get(models.Community, GROUP, populate_existing=True)
    assert community is not None and (community.currency, community.digest) == ("EUR", "weekly")
    await admin._feed(botapi.make_bot_added_update(admin.user, group, "left"))
    async with deps.sessions() as s:
        community = await s.get(models.Community, GROUP, populate_existing=True)
    assert community is not None and not community.active
    ids = await store(deps, product("x", "雨衣", "20.00"))
    (nowhere,) = await admin.send(f"/deal {ids['x']}")  # removed: not offered any more
    assert nowhere.text.startswith("You administer no group or channel the bot is in.")
    async with deps.sessions.begin() as s:
        draft = await deals.create(s, None, ADMIN, ids["x"], "")
        with pytest.raises(deals.DealError, match="inactive"):
            await deals.assign(s, draft.id, ADMIN, GROUP)


async def test_a_deal_is_posted_opened_credited_once_and_refused_twice_a_day(
    shopper: Callable[..., Shopper], botapi: LocalBotApi, deps: Deps, group: FakeChat
) -> None:
    admin, ben = people(shopper, botapi)
    ids = await store(deps, product("case", "透明手机壳 <b>新款</b>", "29.90"))
    await added(botapi, admin, group)
    (refused,) = await in_group(botapi, ben, group, f"/deal {ids['case']}")
    assert refused == "Only this group's admins can post deals."
    comment = "Great <b>find</b> & cheap " + "!" * 5000
    (card,) = await in_group(botapi, admin, group, f"/deal {ids['case']} {comment}")
    post = botapi.messages(GROUP)[-1]
    assert "透明手机壳 <b>新款</b>" in card and "Great <b>find</b> & cheap" in card  # as text
    assert len(card) <= 1024 and post.photo is None and card.endswith("…")
    (link,) = post.all_buttons
    assert link.url is not None and link.url.startswith("https://t.me/") and "?start=d_" in link.url
    payload = link.url.split("?start=")[1]
    assert len(payload) <= 64
    (again,) = await in_group(botapi, admin, group, f"/deal {ids['case']}")
    assert again == "This product was posted in this group less than a day ago."

    for _ in range(2):  # opened twice: credited once
        (opened,) = await ben.send(f"/start {payload}")
        assert "透明手机壳" in (opened.caption or opened.text)
    await ben.press("🛒 Add to cart", ben.last_with_buttons())
    async with deps.sessions() as s:
        touches = list((await s.execute(select(models.DealTouch))).scalars())
        deal_id = await deals.attribution(s, ben.chat_id, [ids["case"]])
    assert len(touches) == 1 and touches[0].carted_at is not None
    assert deal_id == touches[0].deal_id
    async with deps.sessions.begin() as s:  # Ben's order, paid: credited to the deal
        order = models.Order(user_id=ben.chat_id, status="paid", currency="USD",
                             total_minor=500, quote={}, country="DE", shipping_line="standard",
                             paid_minor=500, refunded_minor=0, deal_id=deal_id)  # fmt: skip
        order.paid_at = touches[0].at
        s.add(order)
    (mine,) = await admin.send("/mydeals")
    assert "China finds" in mine.text and "1 deal · 1 opened · 1 cart · 1 order" in mine.text
    assert "$5.00" in mine.text and "$0.25" in mine.text  # 5% commission


async def test_an_order_is_credited_to_the_deal_its_shopper_came_through(deps: Deps) -> None:
    ids = await store(deps, product("p", "耳机", "50.00"))
    async with deps.sessions.begin() as s:
        s.add(models.Community(chat_id=GROUP, kind="supergroup", title="G", categories=[]))
        await s.flush()
        deal = await deals.create(s, GROUP, ADMIN, ids["p"], "")
        assert await deals.touch(s, deal, 55) and not await deals.touch(s, deal, 55)
        assert await deals.attribution(s, 55, [ids["p"]]) == deal.id
        assert await deals.attribution(s, 56, [ids["p"]]) is None  # someone who never came
        assert await deals.attribution(s, 55, [ids["p"] + 1]) is None  # another product
        with pytest.raises(deals.DealError):  # the same product again the same day
            await deals.create(s, GROUP, ADMIN, ids["p"], "")
        await deals.discard(s, deal.id)  # its post failed: as if never made
        assert (await deals.create(s, GROUP, ADMIN, ids["p"], "")).community_id == GROUP
    assert checkout.deals is deals  # checkout.place asks it (bot/services/checkout.py)


async def test_a_private_deal_goes_to_a_channel_the_admin_runs(
    shopper: Callable[..., Shopper], botapi: LocalBotApi, deps: Deps
) -> None:
    admin, ben = people(shopper, botapi)
    channel = botapi.make_group(-100888, "Deals channel", type="channel")
    botapi.member_status[-100888] = {ADMIN: "creator"}
    other = botapi.make_group(-100999, "Someone else's", type="supergroup")
    await store(deps, product("lamp", "台灯", "88.00"))
    await added(botapi, admin, channel)
    await admin._feed(botapi.make_bot_added_update(ben.user, other, "member"))
    (ask,) = await admin.send("/deal https://x.cn/lamp A lamp for the desk")
    assert ask.text == "Where should this deal go?"
    assert [b.text for b in ask.all_buttons] == ["📣 Deals channel"]  # not the other group
    await admin.press("📣 Deals channel", ask)
    post = botapi.messages(-100888)[-1]
    assert "台灯" in post.text and "A lamp for the desk" in post.text
    assert admin.last.text == "Posted in Deals channel."


@pytest.mark.parametrize(
    ("command", "answer"),
    [("/deal", "Usage: /deal LINK-OR-PRODUCT-NUMBER [your comment]"),
     ("/deal 987654", "There is no product number 987654."),
     ("/deal https://nowhere.example/thing", "That is neither a product link nor a product number."),
     ("/deal <script>", "That is neither a product link nor a product number.")],
)  # fmt: skip
async def test_bad_deals_get_a_clear_answer(
    shopper: Callable[..., Shopper], botapi: LocalBotApi, command: str, answer: str
) -> None:
    admin, _ = people(shopper, botapi)
    (reply,) = await admin.send(command)
    assert reply.text == answer


async def test_a_watch_fires_once_when_a_sync_lowers_the_price(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ben = shopper("en", first_name="Ben")
    ids = await store(deps, product("w", "保温杯", "100.00"))
    (card,) = await ben.send(f"/start p_{ids['w']}")
    answer = await ben.press("👀 Watch price", card)
    assert "price drops" in (answer.text or "")
    assert await community_jobs.fire_watches(deps) == 0  # nothing changed yet
    await store(deps, product("w", "保温杯", "80.00"))  # the next sync: cheaper
    assert await community_jobs.fire_watches(deps) == 1
    assert await community_jobs.fire_watches(deps) == 0  # once
    async with deps.sessions() as s:
        (alert,) = (await s.execute(select(models.Alert))).scalars()
    assert alert.kind == "watch_price" and alert.params["price_minor"] == 8000
    (listing,) = await ben.send("/watches")
    assert "保温杯" in listing.text and "✓" in listing.text


async def test_a_digest_posts_what_is_new_and_nothing_when_nothing_is(
    shopper: Callable[..., Shopper], botapi: LocalBotApi, deps: Deps, group: FakeChat
) -> None:
    admin, _ = people(shopper, botapi)
    await added(botapi, admin, group)
    await store(deps, product("a", "雨伞", "60.00"), product("b", "水壶", "30.00"))
    async with deps.sessions.begin() as s:
        await s.execute(update(models.Community).values(digest="daily"))
    bot = admin.app.bot
    assert await posting.post_due(bot, deps) == 0  # no drop yet: nothing posted
    async with deps.sessions.begin() as s:  # a day later
        await s.execute(
            update(models.Community).values(last_digest_at=utcnow() - digests.EVERY["daily"])
        )
    await store(deps, product("a", "雨伞", "45.00"))
    assert await posting.post_due(bot, deps) == 1
    text = botapi.messages(GROUP)[-1].text
    assert "雨伞" in text and "−25%" in text and "水壶" not in text
    posts = len(botapi.messages(GROUP))
    assert await posting.post_due(bot, deps) == 0 and len(botapi.messages(GROUP)) == posts


async def test_the_ledger_exports_as_csv(deps: Deps, settings: Settings, tmp_path: Path) -> None:
    ids = await store(deps, product("p", "耳机", "50.00"))
    async with deps.sessions.begin() as s:
        s.add(models.Community(chat_id=GROUP, kind="supergroup", title="G, with a comma",
                               categories=[]))  # fmt: skip
        await s.flush()
        deal = await deals.create(s, GROUP, ADMIN, ids["p"], "")
        await deals.touch(s, deal, 55)
        await users.touch(s, 55, "en")
        order = models.Order(user_id=55, status="paid", currency="EUR", total_minor=1999,
                             quote={}, country="DE", shipping_line="standard", paid_minor=1999,
                             refunded_minor=0, deal_id=deal.id, paid_at=utcnow())  # fmt: skip
        s.add(order)
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": settings.database_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "deals", "export", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    header, row = list(csv.reader(io.StringIO(out.decode())))
    assert header[:3] == ["admin_id", "community_id", "community"]
    assert row == [str(ADMIN), str(GROUP), "G, with a comma", "1", "1", "0", "1", "EUR",
                   "19.99", "1.00", "5"]  # fmt: skip


async def test_a_taobao_deal_carries_the_marketplaces_own_affiliate_link(
    shopper: Callable[..., Shopper], botapi: LocalBotApi, group: FakeChat, taobao: object
) -> None:
    admin, _ = people(shopper, botapi)
    await added(botapi, admin, group)
    link = "https://item.taobao.com/item.htm?id=123456"
    (card,) = await in_group(botapi, admin, group, f"/deal {link} with a coupon")
    post = botapi.messages(GROUP)[-1]
    assert post.photo and "with a coupon" in card
    bot_link, own = post.all_buttons
    assert bot_link.url is not None and "?start=d_" in bot_link.url
    assert own.text == "On Taobao / Tmall"
    assert own.url == "https://uland.taobao.com/coupon/edetail?e=fake123456&pid=mm_1_2_3"


def test_only_a_marketplaces_own_hosts_make_an_affiliate_link() -> None:
    from integrations.marketplaces.affiliate import affiliate_url

    assert affiliate_url("taobao", {"url": "//s.click.taobao.com/t?e=1"}) == (
        "https://s.click.taobao.com/t?e=1"
    )
    assert affiliate_url("taobao", {"url": "https://evil.example/taobao.com"}) is None
    assert affiliate_url("taobao", {"coupon_share_url": "javascript:alert(1)"}) is None
    assert affiliate_url("jd", {"url": "https://item.jd.com/1.html"}) is None
