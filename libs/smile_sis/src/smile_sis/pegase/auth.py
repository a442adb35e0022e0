"""Pégase authentication: a CAS ticket request gives a JWT, used as a bearer token until shortly before
its ``exp``; a 401 or 403 makes the adapter renew it once and retry the call."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections.abc import AsyncGenerator, Callable
from typing import Any

import httpx

from smile_sis.errors import SisAuthenticationError, SisUnavailable

__all__ = ["CasTokenProvider", "PegaseAuth", "jwt_expiry"]


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (not verified: Pégase checks its own tokens), or ``None``."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    return float(exp) if isinstance(exp, int | float) else None


class CasTokenProvider:
    """Gets and caches the JWT from ``POST {authn}/cas/v1/tickets`` (form ``username, password, token=true``)."""

    def __init__(
        self,
        tickets_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 20.0,
        renew_before: float = 60.0,
        default_lifetime: float = 3600.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tickets_url = tickets_url
        self._form = {"username": username, "password": password, "token": "true"}
        self._timeout = timeout
        self._renew_before = renew_before
        self._default_lifetime = default_lifetime
        self._transport = transport
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.issued = 0

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._expires - self._renew_before:
                await self._renew()
            assert self._token is not None
            return self._token

    async def invalidate(self, token: str) -> None:
        """Forget ``token`` (the API refused it); the next :meth:`token` asks CAS again."""
        async with self._lock:
            if self._token == token:
                self._token = None

    async def _renew(self) -> None:
        try:
            async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
                response = await client.post(self.tickets_url, data=self._form)
        except httpx.HTTPError as exc:
            raise SisUnavailable(f"Pégase CAS unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise SisUnavailable("Pégase CAS failed", status=response.status_code, detail=response.text)
        token = response.text.strip()
        if response.status_code != 201 or not token:
            raise SisAuthenticationError(
                "Pégase CAS refused the service account", status=response.status_code, detail=response.text
            )
        self._token = token
        expiry = jwt_expiry(token)
        self._expires = expiry if expiry is not None else self._clock() + self._default_lifetime
        self.issued += 1


class PegaseAuth(httpx.Auth):
    """Bearer token on every call; on 401/403 the token is renewed once and the call retried."""

    def __init__(self, tokens: CasTokenProvider) -> None:
        self.tokens = tokens

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        raise RuntimeError("the Pégase client is asynchronous")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.tokens.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code in (401, 403):
            await response.aread()
            await self.tokens.invalidate(token)
            request.headers["Authorization"] = f"Bearer {await self.tokens.token()}"
            yield request
