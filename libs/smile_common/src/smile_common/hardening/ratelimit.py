"""Rate limits in front of every API: public (anonymous) traffic and failed authentications per client
address, each credential's traffic, and stricter rules for chosen paths. A refused request gets a 429
problem document with ``Retry-After`` before anything costly (token check, database) is done.

Buckets live in the process's memory: with N replicas (or uvicorn workers) the effective limit is N
times the configured one; set the values per replica accordingly. Addresses come from the ASGI scope,
so behind a reverse proxy run uvicorn with ``--proxy-headers`` and ``FORWARDED_ALLOW_IPS`` set to the
proxy's address (the ``api`` command does the former).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smile_common.errors import problem_response

__all__ = ["RATE_LIMITED", "Rate", "RateLimitMiddleware", "RateLimiter", "parse_rate"]

RATE_LIMITED = Counter(
    "smile_rate_limited_total", "Requests refused with 429, by service and rule", ["service", "rule"]
)
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*(?:burst\s+(\d+))?\s*$")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_EXEMPT_PATHS = ("/healthz", "/readyz", "/metrics")


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``period`` seconds, with bursts up to ``burst`` requests."""

    count: int
    period: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.count / self.period


def parse_rate(text: str) -> Rate:
    """``"300/minute"`` or ``"300/minute burst 50"`` (the burst defaults to a fifth of the count, min 1)."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"not a rate: {text!r} (expected e.g. '300/minute' or '300/minute burst 50')")
    count, unit, burst = int(match.group(1)), match.group(2), match.group(3)
    if count < 1:
        raise ValueError("a rate needs at least one request per period")
    return Rate(count, _SECONDS[unit], int(burst) if burst else max(1, count // 5))


class RateLimiter:
    """Token buckets by key, at most ``max_keys`` of them (the least recently used are forgotten)."""

    def __init__(self, rate: Rate, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.rate.burst), now))
        return min(float(self.rate.burst), tokens + (now - at) * self.rate.per_second)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may make a request (0 if it may now), without using a token."""
        tokens = self._level(key, self.clock())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate.per_second

    def hit(self, key: str) -> float:
        """Use one token: 0 if allowed, else the seconds to wait (nothing is used then)."""
        now = self.clock()
        tokens = self._level(key, now)
        if tokens < 1:
            self._store(key, tokens, now)
            return (1 - tokens) / self.rate.per_second
        self._store(key, tokens - 1, now)
        return 0.0


@dataclass(frozen=True)
class PathRule:
    """A stricter limit, per client address, on paths starting with ``prefix``."""

    prefix: str
    limiter: RateLimiter


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        anonymous: Rate | None,
        authenticated: Rate | None,
        auth_failures: Rate | None,
        paths: Sequence[tuple[str, Rate]] = (),
        exempt_networks: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.service = service
        self.anonymous = RateLimiter(anonymous) if anonymous else None
        self.authenticated = RateLimiter(authenticated) if authenticated else None
        self.failures = RateLimiter(auth_failures) if auth_failures else None
        self.paths = [PathRule(prefix, RateLimiter(rate)) for prefix, rate in paths]
        self.exempt = [ipaddress.ip_network(n, strict=False) for n in exempt_networks]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope)
        if scope["type"] != "http" or path.endswith(_EXEMPT_PATHS):
            await self.app(scope, receive, send)
            return
        address = _client(scope)
        if self._is_exempt(address):
            await self.app(scope, receive, send)
            return
        credential = _credential(scope)
        refused = self._check(path, address, credential)
        if refused is not None:
            rule, wait = refused
            RATE_LIMITED.labels(self.service, rule).inc()
            await self._reject(scope, receive, send, rule, wait)
            return
        if credential is None or self.failures is None:
            await self.app(scope, receive, send)
            return
        failures = self.failures

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                failures.hit(address)
            await send(message)

        await self.app(scope, receive, watch)

    def _check(self, path: str, address: str, credential: str | None) -> tuple[str, float] | None:
        for rule in self.paths:
            if path.startswith(rule.prefix) and (wait := rule.limiter.hit(address)):
                return f"path:{rule.prefix}", wait
        if credential is None:
            if self.anonymous and (wait := self.anonymous.hit(address)):
                return "anonymous", wait
            return None
        if self.failures and (wait := self.failures.retry_after(address)):
            return "authentication-failures", wait
        if self.authenticated and (wait := self.authenticated.hit(credential)):
            return "credential", wait
        return None

    def _is_exempt(self, address: str) -> bool:
        if not self.exempt:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.exempt)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, rule: str, wait: float) -> None:
        seconds = max(1, math.ceil(wait))
        response = problem_response(
            429,
            "too-many-requests",
            "Too many requests",
            f"Too many requests from this client; try again in {seconds} s.",
            instance=scope.get("path"),
            headers={"Retry-After": str(seconds)},
            limit=rule,
        )
        await response(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path inside this app (a mounted app's scope still carries the mount prefix)."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _credential(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            return hashlib.sha256(value).hexdigest()[:32]
    return None
