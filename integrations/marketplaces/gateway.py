"""The shared shape of the marketplaces behind a signed gateway (Taobao, JD, Pinduoduo, 1688).

Each call is a form POST of system parameters (app key, timestamp, method ...) plus the call's
own, signed, to one endpoint; the answer is either the method's node or an error envelope whose
provider codes map onto the error tree (each provider's codes.py). A provider only declares what
differs: its system parameters, how it signs, where it posts, and how it unwraps an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from integrations.base import MarketplaceBase
from integrations.errors import NotConfigured
from integrations.http import Response


class SignedGateway(MarketplaceBase):
    # Whether an HTTP error status is an error by itself; False where the gateway answers its
    # error envelope with a 4xx and `unwrap` reads it (1688).
    check_status: bool = True

    def system_params(self, method: str) -> dict[str, str]:
        """The gateway's own parameters of a call to `method` (app key, timestamp ...)."""
        raise NotImplementedError

    def sign(self, method: str, params: dict[str, str]) -> dict[str, str]:
        """`params` with the signature added."""
        raise NotImplementedError

    def endpoint(self, method: str) -> str:
        """Where a call to `method` is posted."""
        return self.api_base

    def unwrap(self, method: str, response: Response) -> Any:
        """What the answer to `method` carries; raises the error its envelope names (this runs
        inside HttpClient's retry loop, so an Unavailable is retried)."""
        raise NotImplementedError

    async def call(self, method: str, business: Mapping[str, str]) -> Any:
        """Call `method` with its own parameters; NotConfigured when credentials are missing."""
        missing = self.manifest.missing(self.env)
        if missing:
            raise NotConfigured(self.manifest.name, missing)
        params = {**self.system_params(method), **business}
        signed = self.sign(method, {k: v for k, v in params.items() if v != ""})
        return await self.http.call(
            self.manifest.name,
            "POST",
            self.endpoint(method),
            parse=partial(self.unwrap, method),
            check=self.check_status,
            data=signed,
        )
