"""One HTTP client for every provider: shared aiohttp session, timeouts, retries with jittered
backoff (for Unavailable only), a per-provider rate limit and a circuit breaker. A call may cap
the answer's size (counted as it is read and decompressed) and keep to public addresses
(integrations/netguard.py: every redirect is followed by hand and checked)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import yarl

from integrations.errors import (
    BadRequest,
    CircuitOpen,
    NetworkError,
    Rejected,
    ServerError,
    Timeout,
    TooLarge,
    Unavailable,
    from_status,
)
from integrations.netguard import PublicResolver, check_url

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Policy:
    """How hard to try one provider."""

    timeout: float = 10.0  # seconds for one attempt, connect to last byte
    retries: int = 3  # extra attempts after the first, for Unavailable only
    backoff: float = 0.25  # base of the exponential backoff, seconds
    max_backoff: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After is not waited for: fail now
    rate: float = 20.0  # requests per second (0 = unlimited)
    burst: int = 10
    breaker_failures: int = 5  # consecutive Unavailable failures that open the circuit
    breaker_cooldown: float = 30.0  # seconds before one trial call is let through


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self, provider: str) -> Any:
        """The body as JSON; a body that is not JSON is the provider failing (retryable)."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            snippet = self.body[:80].decode("utf-8", errors="replace")
            raise ServerError(f"answer is not JSON: {snippet!r}", provider=provider) from None


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate, self.capacity, self.clock = rate, float(max(burst, 1)), clock
        self.tokens, self.stamp = self.capacity, clock()
        self.lock = asyncio.Lock()

    async def acquire(self, sleep: Callable[[float], Awaitable[None]]) -> None:
        if self.rate <= 0:
            return
        async with self.lock:
            while True:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await sleep((1 - self.tokens) / self.rate)


@dataclass
class Breaker:
    failures: int = 0
    opened_at: float | None = None
    trial: bool = False

    def check(self, policy: Policy, now: float, provider: str) -> None:
        if self.opened_at is None:
            return
        if now - self.opened_at < policy.breaker_cooldown or self.trial:
            wait = policy.breaker_cooldown - (now - self.opened_at)
            raise CircuitOpen(
                "too many recent failures, not calling for now",
                provider=provider,
                retry_after=max(wait, 0.0),
            )
        self.trial = True  # half-open: this call decides

    def success(self) -> None:
        self.failures, self.opened_at, self.trial = 0, None, False

    def failure(self, policy: Policy, now: float) -> None:
        self.failures += 1
        if self.trial or self.failures >= policy.breaker_failures:
            self.opened_at, self.trial = now, False

    def abandon(self) -> None:
        """A call ended without a verdict (cancelled, or a bug in reading the answer): if it was
        the trial, the next call after the cooldown is one; it must not stay half-open."""
        self.trial = False


@dataclass
class _ProviderState:
    policy: Policy
    bucket: TokenBucket
    breaker: Breaker = field(default_factory=Breaker)


class HttpClient:
    """Shared by every adapter of a process; `call` is the one way out to a provider."""

    def __init__(
        self,
        *,
        policies: Mapping[str, Policy] | None = None,
        default: Policy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        user_agent: str = "shopbot/0.1",
    ) -> None:
        self.default = default or Policy()
        self._policies = dict(policies or {})
        self._states: dict[str, _ProviderState] = {}
        self._session: aiohttp.ClientSession | None = None
        self._public: aiohttp.ClientSession | None = None  # connects to public addresses only
        self.sleep, self.clock, self.jitter, self.user_agent = sleep, clock, jitter, user_agent

    def configure(self, provider: str, policy: Policy) -> None:
        self._policies[provider] = policy
        self._states.pop(provider, None)

    def suggest(self, provider: str, policy: Policy) -> None:
        """`policy` for `provider` unless one was configured already (an adapter's own needs,
        such as a long timeout for a big download, which a deployment may still override)."""
        if provider not in self._policies:
            self.configure(provider, policy)

    def _state(self, provider: str) -> _ProviderState:
        state = self._states.get(provider)
        if state is None:
            policy = self._policies.get(provider, self.default)
            state = _ProviderState(policy, TokenBucket(policy.rate, policy.burst, self.clock))
            self._states[provider] = state
        return state

    def breaker_open(self, provider: str) -> bool:
        return self._state(provider).breaker.opened_at is not None

    async def session(self, public_only: bool = False) -> aiohttp.ClientSession:
        if public_only:
            if self._public is None or self._public.closed:
                connector = aiohttp.TCPConnector(resolver=PublicResolver())
                self._public = aiohttp.ClientSession(
                    headers={"User-Agent": self.user_agent}, connector=connector
                )
            return self._public
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers={"User-Agent": self.user_agent})
        return self._session

    async def close(self) -> None:
        for session in (self._session, self._public):
            if session is not None:
                await session.close()
        self._session = self._public = None

    async def call(
        self,
        provider: str,
        method: str,
        url: str,
        *,
        parse: Callable[[Response], T],
        check: bool = True,
        max_bytes: int | None = None,
        public_only: bool = False,
        **kwargs: Any,
    ) -> T:
        """Send the request and `parse` the answer, retrying what is worth retrying.

        `parse` runs inside the retry loop, so an in-body "rate limited" or garbage answer it
        reports as Unavailable is retried like a 503. With `check`, a 4xx is raised as Rejected
        before `parse` sees it. `max_bytes` refuses a bigger answer (TooLarge) as it arrives;
        `public_only` refuses a URL or redirect off the public internet (PrivateAddress).
        kwargs go to aiohttp (params, data, json, headers, ...).
        """
        guard = _Guard(max_bytes, public_only)
        state = self._state(provider)
        policy = state.policy
        attempt = 0
        while True:
            state.breaker.check(policy, self.clock(), provider)
            await state.bucket.acquire(self.sleep)
            try:
                response = await self._send(provider, method, url, policy, kwargs, guard)
                if response.status == 429 or response.status >= 500:
                    raise _status_error(response, provider)
                if check and response.status >= 400:
                    state.breaker.success()  # the provider answered; the request was wrong
                    raise _status_error(response, provider)
                result = parse(response)
            except Rejected:  # the provider answered (a refusal, maybe in the body)
                state.breaker.success()
                raise
            except Unavailable as exc:
                state.breaker.failure(policy, self.clock())
                delay = self._delay(policy, attempt, exc)
                if delay is None:
                    raise
                log.info("%s: %s; retry %d in %.2fs", provider, exc, attempt + 1, delay)
                attempt += 1
                await self.sleep(delay)
                continue
            except BaseException:
                state.breaker.abandon()
                raise
            state.breaker.success()
            return result

    def _delay(self, policy: Policy, attempt: int, exc: Unavailable) -> float | None:
        if attempt >= policy.retries or isinstance(exc, CircuitOpen):
            return None
        if exc.retry_after is not None and exc.retry_after > policy.max_retry_after:
            return None
        ceiling = min(policy.max_backoff, policy.backoff * 2**attempt)
        delay = self.jitter() * ceiling  # "full jitter": spreads retries of many clients
        return max(delay, exc.retry_after or 0.0)

    async def _send(
        self,
        provider: str,
        method: str,
        url: str,
        policy: Policy,
        kwargs: dict[str, Any],
        guard: _Guard,
    ) -> Response:
        session = await self.session(guard.public_only)
        timeout = aiohttp.ClientTimeout(total=policy.timeout)
        if guard.public_only:
            kwargs = {**kwargs, "allow_redirects": False}  # each hop is checked below
        try:
            for _ in range(MAX_REDIRECTS + 1):
                if guard.public_only:
                    await check_url(url, provider)
                async with session.request(method, url, timeout=timeout, **kwargs) as resp:
                    target = resp.headers.get("Location")
                    if guard.public_only and resp.status in REDIRECTS and target:
                        url = str(resp.url.join(yarl.URL(target)))
                        method = "GET" if resp.status == 303 else method
                        continue
                    body = await _read(resp, guard.max_bytes, provider)
                    return Response(resp.status, dict(resp.headers), body, str(resp.url))
            raise BadRequest(f"more than {MAX_REDIRECTS} redirects", provider=provider)
        except TimeoutError:
            raise Timeout(f"no answer within {policy.timeout:g}s", provider=provider) from None
        except aiohttp.ClientError as exc:
            raise NetworkError(f"{type(exc).__name__}: {exc}", provider=provider) from None


@dataclass(frozen=True, slots=True)
class _Guard:
    max_bytes: int | None
    public_only: bool


async def _read(resp: aiohttp.ClientResponse, max_bytes: int | None, provider: str) -> bytes:
    """The body, refused as soon as it passes `max_bytes` (decompressed, as it arrives)."""
    if max_bytes is None:
        return await resp.read()
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise TooLarge(
            f"answer of {resp.content_length} bytes, over {max_bytes}", provider=provider
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"answer over {max_bytes} bytes", provider=provider)
        chunks.append(chunk)
    return b"".join(chunks)


def _status_error(response: Response, provider: str) -> Exception:
    err = from_status(
        response.status, f"HTTP {response.status}", provider=provider, raw=response.text()[:500]
    )
    if isinstance(err, Unavailable):
        err.retry_after = _retry_after(response.headers.get("Retry-After"))
    return err


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """`name` from `headers`, whatever their case (a plain dict is not case-insensitive)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)
