"""Keeping requests to addresses someone else chose (a store's feed URL) on the public internet.

A URL an operator or a store typed must not reach the machine itself, its network or a cloud's
metadata service (169.254.169.254): loopback, private, link-local, shared, multicast, reserved
and unspecified addresses are refused, for an IP literal in the URL at once, for a host name once
it resolves. `PublicResolver` checks again when aiohttp connects, so a name that resolves to a
public address for the check and a private one for the connection does not get through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from integrations.errors import BadRequest


class PrivateAddress(BadRequest):
    """The URL leads to an address off the public internet."""


def is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_url(url: str, provider: str) -> None:
    """Raise PrivateAddress unless every address `url`'s host resolves to is public."""
    host = urlsplit(url).hostname or ""
    if not host:
        raise PrivateAddress(f"no host in {url[:200]!r}", provider=provider)
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, None)
        except OSError:
            return  # unknown name: the request itself fails and says so
        addresses = [str(info[4][0]) for info in found]
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise PrivateAddress(
            f"{host} is not on the public internet ({private[0]})", provider=provider
        )


class PublicResolver(AbstractResolver):
    """aiohttp's resolver, keeping public addresses only."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        public = [r for r in found if is_public(r["host"])]
        if not public:
            raise OSError(f"{host} is not on the public internet")
        return public

    async def close(self) -> None:
        await self._inner.close()
