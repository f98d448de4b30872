"""A python-telegram-bot request backend on aiohttp.

:class:`AiohttpRequest` is a drop-in replacement for PTB's default ``HTTPXRequest``: the same
constructor knobs (where they make sense), the same timeout / ``DEFAULT_NONE`` semantics, the
same request bodies (form fields, multipart for uploads) and the same error mapping
(``TimedOut`` / ``NetworkError``). It is much cheaper per request under load.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import urllib.request
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractStreamWriter
from multidict import CIMultiDict
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]

_LOG = logging.getLogger(__name__)

_POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)
# Bodies are written in pieces of this size, each under the write timeout (as httpx does).
# aiohttp's writer only waits for the socket once more than this many bytes are buffered, so
# smaller bodies are handed to the transport without ever blocking.
_WRITE_CHUNK = 64 * 1024
# httpx's HTML5-style escaping of multipart filenames: quotes and control characters.
_FILENAME_ESCAPES = re.compile(r'["\x00-\x1a\x1c-\x1f]')


def _escape_filename(name: str) -> str:
    return _FILENAME_ESCAPES.sub(lambda m: f"%{ord(m.group()):02X}", name)


class _TimedWriter(AbstractStreamWriter):
    """Stream writer proxy: every (64 KiB) write must finish within ``timeout`` seconds."""

    def __init__(self, inner: AbstractStreamWriter, timeout: float) -> None:
        self._inner = inner
        self._timeout = timeout

    @property
    def transport(self) -> asyncio.WriteTransport | None:
        """The underlying transport."""
        return self._inner.transport

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Write ``chunk`` in pieces, each bounded by the write timeout."""
        view = memoryview(chunk).cast("B")
        for start in range(0, len(view), _WRITE_CHUNK):
            async with asyncio.timeout(self._timeout):
                await self._inner.write(view[start : start + _WRITE_CHUNK])

    async def write_eof(self, chunk: bytes = b"") -> None:
        """Write the last chunk."""
        async with asyncio.timeout(self._timeout):
            await self._inner.write_eof(chunk)

    async def drain(self) -> None:
        """Flush the write buffer."""
        async with asyncio.timeout(self._timeout):
            await self._inner.drain()

    def enable_compression(self, encoding: str = "deflate", strategy: int | None = None) -> None:
        """Delegate to the wrapped writer."""
        self._inner.enable_compression(encoding, strategy)

    def enable_chunking(self) -> None:
        """Delegate to the wrapped writer."""
        self._inner.enable_chunking()

    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        """Delegate to the wrapped writer."""
        await self._inner.write_headers(status_line, headers)

    def send_headers(self) -> None:
        """Delegate to the wrapped writer."""
        self._inner.send_headers()


class _TimedPayload(aiohttp.Payload):
    """Request body whose socket writes are bounded by a write timeout."""

    def __init__(self, inner: aiohttp.Payload, timeout: float) -> None:
        super().__init__(
            inner, headers=inner.headers, content_type=inner.content_type, encoding=inner.encoding
        )
        self._inner = inner
        self._timeout = timeout
        self._size = inner.size

    @property
    def consumed(self) -> bool:
        """Whether the wrapped payload can no longer be replayed."""
        return self._inner.consumed

    @property
    def autoclose(self) -> bool:
        """Whether the wrapped payload needs no explicit close."""
        return self._inner.autoclose

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """The wrapped payload as text."""
        return self._inner.decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        """The wrapped payload as bytes."""
        return await self._inner.as_bytes(encoding, errors)

    async def write(self, writer: AbstractStreamWriter) -> None:
        """Write the wrapped payload through a timed writer."""
        await self._inner.write(_TimedWriter(writer, self._timeout))

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        """Write at most ``content_length`` bytes through a timed writer."""
        await self._inner.write_with_length(_TimedWriter(writer, self._timeout), content_length)

    def _close(self) -> None:
        self._inner._close()

    async def close(self) -> None:
        """Release the wrapped payload's resources."""
        await self._inner.close()


class AiohttpRequest(BaseRequest):
    """:class:`telegram.request.BaseRequest` implemented with one :class:`aiohttp.ClientSession`.

    Mirrors ``telegram.request.HTTPXRequest``: timeouts passed to :meth:`do_request` override
    the instance defaults unless they are :attr:`BaseRequest.DEFAULT_NONE`; uploads get
    ``media_write_timeout``; a request waits at most ``pool_timeout`` for one of
    ``connection_pool_size`` connections. Without ``proxy``, ``HTTP(S)_PROXY`` / ``ALL_PROXY``
    / ``NO_PROXY`` from the environment apply (read at :meth:`initialize`), as with httpx.
    Redirects are not followed and cookies are not kept.

    Args:
        connection_pool_size: Maximum number of simultaneous connections (and requests).
            Use ``1`` for the ``get_updates`` request object.
        read_timeout: Seconds to wait for (each chunk of) the response; ``None``: forever.
        write_timeout: Seconds each socket write of a request body may take.
        connect_timeout: Seconds to resolve and connect to the server.
        pool_timeout: Seconds to wait for a free connection in the pool.
        proxy: ``http://`` or ``https://`` proxy URL, e.g. ``"http://127.0.0.1:3128"``.
        media_write_timeout: Like ``write_timeout``, for requests that upload files.
    """

    __slots__ = (
        "_closed",
        "_connect_timeout",
        "_connection_pool_size",
        "_default_timeout",
        "_env_proxies",
        "_media_write_timeout",
        "_pool",
        "_pool_timeout",
        "_proxy",
        "_proxy_for_origin",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        proxy: str | None = None,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("`connection_pool_size` must be at least 1.")
        if proxy is not None and urlsplit(proxy).scheme not in ("http", "https"):
            raise ValueError("AiohttpRequest supports only http:// and https:// proxies.")
        self._connection_pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = proxy
        self._default_timeout = self._timeout(connect_timeout, read_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._pool: asyncio.Semaphore | None = None
        self._closed = False
        self._env_proxies: dict[str, str] = {}
        self._proxy_for_origin: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds (see :attr:`BaseRequest.read_timeout`)."""
        return self._read_timeout

    @staticmethod
    def _timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        # aiohttp's ``connect`` would also cover waiting for a pool slot, which the semaphore
        # in ``do_request`` does instead; here it bounds DNS + TCP + TLS like httpx's connect.
        return aiohttp.ClientTimeout(
            total=None, connect=connect, sock_connect=connect, sock_read=read
        )

    def _open(self) -> aiohttp.ClientSession:
        """Create the session, connector and pool semaphore on the running event loop."""
        connector = aiohttp.TCPConnector(limit=self._connection_pool_size, limit_per_host=0)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
        self._pool = asyncio.Semaphore(self._connection_pool_size)
        self._env_proxies = {} if self._proxy else urllib.request.getproxies()
        self._proxy_for_origin = {}
        self._closed = False
        return self._session

    async def initialize(self) -> None:
        """Create the HTTP session (bound to the running loop); a no-op when already open."""
        if self._session is None or self._session.closed:
            self._open()

    async def shutdown(self) -> None:
        """Close the HTTP session and its connections; a no-op when already shut down."""
        session, self._session, self._pool = self._session, None, None
        self._closed = True
        if session is None or session.closed:
            _LOG.debug("This AiohttpRequest is already shut down. Returning.")
            return
        await session.close()

    def _proxy_for(self, url: str) -> str | None:
        """The explicit proxy, else the environment's proxy for ``url``'s origin."""
        if self._proxy is not None or not self._env_proxies:
            return self._proxy
        scheme, _, netloc = url.split("/", 3)[:3]
        key = (scheme, netloc)
        try:
            return self._proxy_for_origin[key]
        except KeyError:
            pass
        parts = urlsplit(url)
        proxy: str | None = None
        if not urllib.request.proxy_bypass(parts.hostname or ""):
            proxy = self._env_proxies.get(parts.scheme) or self._env_proxies.get("all")
        self._proxy_for_origin[key] = proxy
        return proxy

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return the HTTP status code and the response body.

        Raises:
            telegram.error.TimedOut: A timeout expired (or no pooled connection freed up).
            telegram.error.NetworkError: Any other transport failure.
            RuntimeError: The object was shut down and not initialized again.
        """
        session = self._session
        if session is None:
            if self._closed:
                raise RuntimeError("This AiohttpRequest is not initialized!")
            session = self._open()  # usable before initialize(), like HTTPXRequest
        pool = self._pool
        assert pool is not None

        has_files = request_data is not None and request_data.contains_files
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if has_files else self._write_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(read_timeout, DefaultValue) and isinstance(connect_timeout, DefaultValue):
            timeout = self._default_timeout
        else:
            if isinstance(read_timeout, DefaultValue):
                read_timeout = self._read_timeout
            if isinstance(connect_timeout, DefaultValue):
                connect_timeout = self._connect_timeout
            timeout = self._timeout(connect_timeout, read_timeout)

        body = self._body(request_data, has_files, write_timeout)

        if pool.locked():
            try:
                async with asyncio.timeout(pool_timeout):
                    await pool.acquire()
            except TimeoutError as err:
                if body is not None:
                    await body.close()
                raise TimedOut(message=_POOL_TIMEOUT_MESSAGE) from err
        else:
            await pool.acquire()  # free slot: returns without suspending
        try:
            async with session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                proxy=self._proxy_for(url),
                allow_redirects=False,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # includes aiohttp.ServerTimeoutError
            raise TimedOut from err
        except (aiohttp.ClientError, OSError) as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        finally:
            pool.release()

    @staticmethod
    def _body(
        request_data: RequestData | None, has_files: bool, write_timeout: float | None
    ) -> aiohttp.Payload | None:
        """The parameters as JSON, or multipart/form-data with the files."""
        if request_data is None:
            return None
        payload: aiohttp.Payload
        if has_files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(
                    name,
                    # aiohttp streams a BytesIO in 64 KiB reads; raw bytes > 1 MiB get a warning
                    io.BytesIO(content) if isinstance(content, bytes) else content,
                    filename=_escape_filename(filename),
                    content_type=mimetype,
                )
            payload = form()
        else:
            parameters = request_data.parameters
            if not parameters:
                return None
            # A JSON body, which the Bot API takes like a form: one C-speed json.dumps, where a
            # form encodes each object field on its own and percent-encodes non-Latin text in
            # Python, byte by byte.
            encoded = json.dumps(parameters).encode()
            payload = aiohttp.BytesPayload(encoded, content_type="application/json")
            if len(encoded) <= _WRITE_CHUNK:
                return payload  # handed to the transport in one go; a write can't block
        if write_timeout is None:
            return payload
        return _TimedPayload(payload, write_timeout)
