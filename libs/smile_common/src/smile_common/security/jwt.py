"""JWT verification (RS256 only) against the issuer's JWKS, with issuer, audience and expiry checked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
from jose import JWTError, jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError

from smile_common.errors import Unauthorized
from smile_common.security.principal import Principal, Role

__all__ = ["JwksKeyProvider", "KeyProvider", "StaticKeyProvider", "TokenVerifier"]

ALGORITHM = "RS256"


class KeyProvider(Protocol):
    async def key(self, kid: str | None) -> Mapping[str, Any] | None:
        """The public JWK with ``kid`` (or the only key when ``kid`` is absent)."""


class StaticKeyProvider:
    """Keys known in advance (the dev issuer, tests)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = list(jwks.get("keys", []))

    async def key(self, kid: str | None) -> Mapping[str, Any] | None:
        return _pick(self._keys, kid)


class JwksKeyProvider:
    """Fetches the issuer's JWKS, caches it, and refetches (rate-limited) when a new ``kid`` appears."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        ttl_seconds: float = 600,
        min_refresh_seconds: float = 30,
    ) -> None:
        self.url = url
        self._client = client
        self.ttl = ttl_seconds
        self.min_refresh = min_refresh_seconds
        self._keys: list[Mapping[str, Any]] = []
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> Mapping[str, Any] | None:
        now = time.monotonic()
        if now - self._fetched_at > self.ttl:
            await self._refresh(force=True)
        found = _pick(self._keys, kid)
        if found is None and time.monotonic() - self._fetched_at > self.min_refresh:
            await self._refresh(force=False)
            found = _pick(self._keys, kid)
        return found

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            if not force and time.monotonic() - self._fetched_at <= self.min_refresh:
                return
            client = self._client or httpx.AsyncClient(timeout=5)
            try:
                response = await client.get(self.url)
                response.raise_for_status()
                keys = response.json().get("keys", [])
            except (httpx.HTTPError, ValueError) as exc:
                if not self._keys:
                    raise Unauthorized("The identity provider's keys cannot be fetched.") from exc
                return  # keep the last good keys
            finally:
                if self._client is None:
                    await client.aclose()
            self._keys = [k for k in keys if isinstance(k, Mapping)]
            self._fetched_at = time.monotonic()


def _pick(keys: list[Mapping[str, Any]], kid: str | None) -> Mapping[str, Any] | None:
    rsa_keys = [k for k in keys if k.get("kty") == "RSA" and k.get("use", "sig") == "sig"]
    if kid is None:
        return rsa_keys[0] if len(rsa_keys) == 1 else None
    return next((k for k in rsa_keys if k.get("kid") == kid), None)


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


class TokenVerifier:
    """Turns a bearer token into a :class:`Principal`, or raises 401."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        keys: KeyProvider,
        leeway_seconds: int = 60,
        roles_claim: str = "roles",
        tenant_claim: str = "hei",
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys = keys
        self.leeway = leeway_seconds
        self.roles_claim = roles_claim
        self.tenant_claim = tenant_claim

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise Unauthorized("The token is not a well-formed JWT.") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(f"Only {ALGORITHM} tokens are accepted.")
        key = await self.keys.key(header.get("kid"))
        if key is None:
            raise Unauthorized("The token was signed with a key the identity provider does not publish.")
        try:
            claims = jwt.decode(
                token,
                dict(key),
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"leeway": self.leeway, "require_exp": True, "require_sub": True, "verify_at_hash": False},
            )
        except ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except JWTClaimsError as exc:
            raise Unauthorized(f"The token's claims are not accepted: {exc}.") from exc
        except JWTError as exc:
            raise Unauthorized("The token's signature is not valid.") from exc
        return self._principal(claims)

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        tenant = _claim(claims, self.tenant_claim)
        if not isinstance(tenant, str) or not tenant.strip():
            raise Unauthorized(f"The token has no '{self.tenant_claim}' claim naming the university.")
        raw_roles = _claim(claims, self.roles_claim) or []
        if isinstance(raw_roles, str):
            raw_roles = raw_roles.split()
        roles = frozenset(Role(r) for r in raw_roles if isinstance(r, str) and r in Role._value2member_map_)
        ounits = claims.get("ounits") or []
        return Principal(
            subject=str(claims["sub"]),
            tenant=tenant.strip().lower(),
            roles=roles,
            ounits=frozenset(str(o) for o in ounits) if isinstance(ounits, list) else frozenset(),
            email=claims.get("email"),
            name=claims.get("name"),
            claims=dict(claims),
        )
