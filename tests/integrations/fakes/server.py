"""What the provider fakes share: an aiohttp server on 127.0.0.1 (a free port) and a ``plan``.

``plan`` makes the next API requests misbehave, one step per request (a fake says which of its
routes take a step by awaiting ``misbehave``): "500"; "429" (``Retry-After: retry_after``);
"garbage" (the HTML ``garbage_page``); "shapeless" (JSON without the node the API answers in);
"slow" (the normal answer after ``slow_seconds``, or at once when the server closes); None or
"" for the normal answer. A fake adds its own steps (rate limits in the body and the like) by
overriding ``misbehaviour``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Self, TypeVar

from aiohttp import web

Call = TypeVar("Call")


def answer(payload: Any) -> web.Response:
    """JSON with the Chinese as it is, like the gateways send it."""
    return web.json_response(payload, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))


async def fields(request: web.Request) -> dict[str, str]:
    """The query string and the form of ``request`` in one dict (the form wins)."""
    return {**request.query, **{k: str(v) for k, v in (await request.post()).items()}}


@dataclass
class FakeServer(Generic[Call]):
    """Subclasses add their routes in ``routes`` and record what they were sent in ``calls``."""

    retry_after: ClassVar[str] = "3"
    garbage_page: ClassVar[str] = "<html>502 Bad Gateway</html>"

    plan: list[str | None] = field(default_factory=list)
    slow_seconds: float = 1.5
    calls: list[Call] = field(default_factory=list)
    base: str = ""  # http://127.0.0.1:<port> once started
    _runner: web.AppRunner | None = field(default=None, repr=False)
    _closing: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    async def start(self) -> str:
        app = web.Application()
        self.routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base = f"http://{host}:{port}"
        return self.base

    async def close(self) -> None:
        self._closing.set()  # "slow" answers stop waiting
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def misbehave(self) -> web.Response | None:
        """Takes the plan's next step: the response to send instead of the normal answer."""
        step = self.plan.pop(0) if self.plan else None
        if step == "slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.slow_seconds)
            return None
        return self.misbehaviour(step) if step else None

    def misbehaviour(self, step: str) -> web.Response:
        if step == "500":
            return web.Response(status=500, text="Internal Server Error")
        if step == "429":
            headers = {"Retry-After": self.retry_after}
            return web.Response(status=429, headers=headers, text="Too Many Requests")
        if step == "garbage":
            return web.Response(text=self.garbage_page, content_type="text/html")
        if step == "shapeless":
            return answer({"unexpected": True})
        raise ValueError(f"unknown plan step {step!r}")


@dataclass
class FormGateway(FakeServer[dict[str, str]]):
    """A signed form-POST gateway at ``api_path`` (TOP, PDD, JD): each call is recorded in
    ``calls``, takes a plan step, then gets ``check``'s refusal or ``dispatch``'s answer."""

    retry_after = "1"
    api_path: ClassVar[str]

    @property
    def api_base(self) -> str:
        return f"{self.base}{self.api_path}"

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post(self.api_path, self._gateway)

    def check(self, form: dict[str, str]) -> web.Response | None:
        """The gateway's refusal of the system parameters (key, signature, time), if any."""
        raise NotImplementedError

    def dispatch(self, form: dict[str, str]) -> web.Response:
        raise NotImplementedError

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        form = await fields(request)
        self.calls.append(form)
        return await self.misbehave() or self.check(form) or self.dispatch(form)
