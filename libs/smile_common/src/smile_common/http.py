"""HTTP clients for service-to-service calls: timeouts, retries of idempotent calls, service token,
correlation id. Transports are injectable (``httpx.ASGITransport`` in tests and in the all-in-one)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator
from typing import Any, Protocol

import httpx

from smile_common.logging import correlation_id
from smile_common.observability import CORRELATION_HEADER
from smile_common.security.devissuer import DevIssuer
from smile_common.security.principal import TENANT_HEADER

__all__ = [
    "ClientCredentialsTokens",
    "DevServiceTokens",
    "RetryTransport",
    "ServiceTokenAuth",
    "TokenProvider",
    "service_client",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})


class TokenProvider(Protocol):
    async def token(self) -> str: ...


class DevServiceTokens:
    """Service tokens signed by the dev issuer (dev profile only)."""

    def __init__(self, issuer: DevIssuer, service: str) -> None:
        self.issuer = issuer
        self.service = service
        self._token: str | None = None
        self._expires = 0.0

    async def token(self) -> str:
        if self._token is None or time.time() > self._expires - 60:
            self._token = self.issuer.mint(
                subject=f"service:{self.service}", roles=["service"], hei="*", ttl_seconds=3600
            )
            self._expires = time.time() + 3600
        return self._token


class ClientCredentialsTokens:
    """OAuth2 client-credentials tokens from the identity provider, cached until shortly before expiry."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, *, audience: str | None = None) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.audience = audience
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or time.time() > self._expires - 60:
                data = {"grant_type": "client_credentials"}
                if self.audience:
                    data["audience"] = self.audience
                async with httpx.AsyncClient(timeout=10) as client:
                    response = await client.post(self.token_url, data=data, auth=(self.client_id, self.client_secret))
                    response.raise_for_status()
                    body = response.json()
                self._token = str(body["access_token"])
                self._expires = time.time() + float(body.get("expires_in", 300))
            return self._token


class ServiceTokenAuth(httpx.Auth):
    """Adds the service token and the current correlation id to every request."""

    requires_response_body = False

    def __init__(self, tokens: TokenProvider) -> None:
        self.tokens = tokens

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("service clients are asynchronous")

    async def async_auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {await self.tokens.token()}"
        cid = correlation_id.get()
        if cid and CORRELATION_HEADER not in request.headers:
            request.headers[CORRELATION_HEADER] = cid
        yield request


class RetryTransport(httpx.AsyncBaseTransport):
    """Retries idempotent requests on connection errors and 502/503/504, with exponential backoff."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, retries: int = 2, backoff: float = 0.2) -> None:
        self.inner = inner
        self.retries = retries
        self.backoff = backoff

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempts = self.retries + 1 if request.method in IDEMPOTENT_METHODS else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self.inner.handle_async_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.RemoteProtocolError):
                if last:
                    raise
            else:
                if response.status_code not in RETRY_STATUSES or last:
                    return response
                await response.aclose()
            await asyncio.sleep(self.backoff * 2**attempt)
        raise RuntimeError("unreachable")

    async def aclose(self) -> None:
        await self.inner.aclose()


def service_client(
    base_url: str,
    tokens: TokenProvider,
    *,
    tenant: str | None = None,
    timeout: float = 10.0,
    retries: int = 2,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for calling another SMILE service as the ``service`` role."""
    headers = {"Accept": "application/json"}
    if tenant:
        headers[TENANT_HEADER] = tenant
    return httpx.AsyncClient(
        base_url=base_url,
        auth=ServiceTokenAuth(tokens),
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        transport=RetryTransport(transport or httpx.AsyncHTTPTransport(), retries=retries),
    )
