"""Fetching a feed someone typed the address of: size caps, public addresses only, files only
from the command line."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from integrations import netguard
from integrations.errors import BadRequest, TooLarge
from integrations.http import HttpClient
from integrations.marketplaces.feed import Adapter
from integrations.netguard import PrivateAddress
from tests.support import serving

FEED = b'<rss version="2.0"><channel><item><title>x</title></item></channel></rss>'


Answers = dict[str, Callable[[], web.Response]]


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Answers]]:
    """A local web server; tests put how to answer each path in the dict."""
    answers: Answers = {}

    async def answer(request: web.Request) -> web.StreamResponse:
        return answers[request.path]()

    app = web.Application()
    app.router.add_get("/{path:.*}", answer)
    async with serving(app, shutdown_timeout=0.5) as base:  # the client keeps its connection
        yield base, answers


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Treat the test server's address (127.0.0.1) as the public internet, nothing else."""
    real = netguard.is_public
    monkeypatch.setattr(netguard, "is_public", lambda a: a == "127.0.0.1" or real(a))
    yield


def adapter(http: HttpClient, location: str, **env: str) -> Adapter:
    return Adapter(env, http, location=location)


async def test_a_feed_over_the_cap_is_refused_as_it_arrives(
    http: HttpClient, server: tuple[str, Answers]
) -> None:
    base, answers = server
    answers["/big.xml"] = lambda: web.Response(body=b"x" * (3 * 2**20))
    with pytest.raises(TooLarge):
        await adapter(http, f"{base}/big.xml", FEED_MAX_MB="2", FEED_ALLOW_PRIVATE="1").fetch()
    answers["/ok.xml"] = lambda: web.Response(body=FEED)
    assert await adapter(http, f"{base}/ok.xml", FEED_ALLOW_PRIVATE="1").fetch() == FEED


async def test_a_compressed_feed_is_counted_as_it_inflates(
    http: HttpClient, server: tuple[str, Answers]
) -> None:
    base, answers = server
    bomb = gzip.compress(b"\0" * (64 * 2**20))  # 64 MB in about 64 KB
    answers["/bomb.xml"] = lambda: web.Response(body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLarge):
        await adapter(http, f"{base}/bomb.xml", FEED_MAX_MB="1", FEED_ALLOW_PRIVATE="1").fetch()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/feed.xml",
        "http://localhost:9/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/feed.xml",
        "http://10.1.2.3/feed.xml",
        "http://[::ffff:127.0.0.1]/feed.xml",
    ],
)
async def test_addresses_off_the_public_internet_are_refused(http: HttpClient, url: str) -> None:
    with pytest.raises(PrivateAddress):
        await adapter(http, url).fetch()


async def test_a_redirect_is_checked_like_the_first_address(
    http: HttpClient, server: tuple[str, Answers], loopback_is_public: None
) -> None:
    base, answers = server
    answers["/moved.xml"] = lambda: web.Response(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    with pytest.raises(PrivateAddress):
        await adapter(http, f"{base}/moved.xml").fetch()
    answers["/here.xml"] = lambda: web.Response(status=301, headers={"Location": "/ok.xml"})
    answers["/ok.xml"] = lambda: web.Response(body=FEED)
    assert await adapter(http, f"{base}/here.xml").fetch() == FEED


async def test_endless_redirects_stop(
    http: HttpClient, server: tuple[str, Answers], loopback_is_public: None
) -> None:
    base, answers = server
    answers["/loop.xml"] = lambda: web.Response(status=302, headers={"Location": "/loop.xml"})
    with pytest.raises(BadRequest, match="redirects"):
        await adapter(http, f"{base}/loop.xml").fetch()


async def test_a_file_is_read_only_when_the_caller_allows_it(
    http: HttpClient, tmp_path: Path
) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    with pytest.raises(BadRequest, match="read only by `shopbot sync`"):
        await adapter(http, str(path)).fetch()
    allowed = Adapter({}, http, location=str(path), local_files=True)
    assert await allowed.fetch() == FEED
    small = Adapter({"FEED_MAX_MB": "1"}, http, location=str(path), local_files=True)
    path.write_bytes(b" " * (2 * 2**20))
    with pytest.raises(TooLarge):
        await small.fetch()
