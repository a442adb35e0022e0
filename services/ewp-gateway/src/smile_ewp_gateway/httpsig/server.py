"""The server side of EWP HTTP signatures: verifying partners' requests, signing SMILE's responses.

:func:`verify_request` applies the checks of cliauth-httpsig in order and raises :class:`HttpSigError`
with the status the specification gives for each failure (see docs/ewp.md, "authentication").
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import rsa

from smile_ewp_gateway.httpsig.cavage import (
    ALGORITHM,
    REQUEST_TARGET,
    UUID_CANONICAL,
    Headers,
    digest_header,
    digest_matches,
    format_params,
    header_value,
    http_date,
    parse_http_date,
    parse_params,
    rsa_sign,
    rsa_verify,
    signing_string,
)
from smile_ewp_gateway.httpsig.keys import SigningKey

__all__ = [
    "MAX_CLOCK_SKEW",
    "Caller",
    "ClientKeys",
    "HttpSigError",
    "RequestIdCache",
    "response_signature_headers",
    "verify_request",
    "wants_signed_response",
]

MAX_CLOCK_SKEW = timedelta(minutes=5)
_KEY_ID = re.compile(r"^[0-9a-f]{64}$")
_MANDATORY = (REQUEST_TARGET, "host", "digest", "x-request-id")


class HttpSigError(Exception):
    """A request that fails authentication: ``status`` is what the partner gets (400, 401 or 403)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ClientKeys(Protocol):
    """What the registry knows about keys (see :class:`smile_ewp_gateway.registry.Catalogue`)."""

    def client_key(self, key_id: str) -> tuple[rsa.RSAPublicKey, frozenset[str]] | None: ...

    def is_server_key(self, key_id: str) -> bool: ...


@dataclass(frozen=True)
class Caller:
    """An authenticated partner: its key and the institutions the registry says that key covers."""

    key_id: str
    hei_ids: frozenset[str]
    request_id: str
    signature: str
    signed_headers: tuple[str, ...]


class RequestIdCache:
    """``X-Request-Id`` values seen in the last five minutes (replay protection, per process)."""

    def __init__(self, ttl: float = MAX_CLOCK_SKEW.total_seconds() * 2, max_entries: int = 200_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def seen_before(self, request_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                next(iter(self._seen.values())) < now - self.ttl or len(self._seen) >= self.max_entries
            ):
                self._seen.popitem(last=False)
            if request_id in self._seen:
                return True
            self._seen[request_id] = now
            return False


def _check_header_list(names: list[str], headers: Headers) -> None:
    missing = [n for n in _MANDATORY if n not in names]
    if "date" not in names and "original-date" not in names:
        missing.append("date (or original-date)")
    if missing:
        raise HttpSigError(400, "the signature must cover these headers too: " + ", ".join(missing))
    absent = [n for n in names if n != REQUEST_TARGET and header_value(headers, n) is None]
    if absent:
        raise HttpSigError(400, "signed headers missing from the request: " + ", ".join(absent))


def _check_dates(headers: Headers, now: datetime) -> None:
    for name in ("date", "original-date"):
        value = header_value(headers, name)
        if value is None:
            continue
        moment = parse_http_date(value)
        if moment is None:
            raise HttpSigError(400, f"the {name} header is not an HTTP date (RFC 7231): {value!r}")
        if abs(now - moment) > MAX_CLOCK_SKEW:
            raise HttpSigError(
                400,
                f"the {name} header ({value}) differs from the server's clock ({http_date(now)}) by more than 5 min",
            )


def verify_request(
    *,
    method: str,
    request_target: str,
    headers: Headers,
    body: bytes,
    keys: ClientKeys,
    now: datetime,
    expected_host: str | None,
    request_ids: RequestIdCache | None = None,
) -> Caller:
    """Authenticate a request signed per cliauth-httpsig; ``headers`` have lowercase names.

    ``request_target`` is the path and query exactly as the client sent them (no decoding).
    """
    authorization = header_value(headers, "authorization")
    scheme, _, rest = (authorization or "").partition(" ")
    if scheme.lower() != "signature":
        raise HttpSigError(
            401, "this endpoint needs EWP HTTP Signature client authentication (Authorization: Signature)"
        )
    try:
        params = parse_params(rest)
    except ValueError as exc:
        raise HttpSigError(400, f"unparseable Authorization: Signature header: {exc}") from exc
    if params.get("algorithm", "").lower() != ALGORITHM:
        raise HttpSigError(400, f'the signature algorithm must be "{ALGORITHM}"')
    if not params.get("keyId") or not params.get("signature"):
        raise HttpSigError(400, "the signature parameters keyId and signature are required")
    names = params.header_names
    _check_header_list(names, headers)
    host = header_value(headers, "host") or ""
    if expected_host is not None and host.lower() != expected_host.lower():
        raise HttpSigError(400, f"the Host header ({host}) is not this server's host ({expected_host})")
    key_id = params["keyId"]
    if not _KEY_ID.match(key_id):
        raise HttpSigError(400, "keyId must be the lowercase hex SHA-256 of the client's public key")
    found = keys.client_key(key_id)
    if found is None:
        if keys.is_server_key(key_id):
            raise HttpSigError(403, f"key {key_id} is a server key; requests must be signed with a client key")
        raise HttpSigError(403, f"key {key_id} is not a client key of the EWP registry")
    public_key, hei_ids = found
    _check_dates(headers, now)
    request_id = header_value(headers, "x-request-id") or ""
    if not UUID_CANONICAL.match(request_id):
        raise HttpSigError(400, "X-Request-Id must be a UUID in canonical lowercase form")
    ok, reason = digest_matches(header_value(headers, "digest") or "", body)
    if not ok:
        raise HttpSigError(400, reason)
    text = signing_string(names, headers, f"{method.lower()} {request_target}")
    if not rsa_verify(public_key, params["signature"], text):
        raise HttpSigError(400, "the request signature does not verify (signing string: " + " ".join(names) + ")")
    if request_ids is not None and request_ids.seen_before(request_id):
        raise HttpSigError(400, "this X-Request-Id was already used in the last minutes (replayed request?)")
    return Caller(key_id, hei_ids, request_id, params["signature"], tuple(names))


def wants_signed_response(headers: Headers) -> bool:
    """Whether ``Accept-Signature`` lists rsa-sha256 (then the response MUST be signed)."""
    value = header_value(headers, "accept-signature") or ""
    return any(part.strip().lower() == ALGORITHM for part in value.split(","))


def response_signature_headers(
    *,
    key: SigningKey,
    body: bytes,
    content_type: str | None,
    request_id: str | None,
    request_signature: str | None,
    now: datetime,
    date_header: str = "original-date",
) -> list[tuple[str, str]]:
    """The headers that make a response signed per srvauth-httpsig (to add to the response as is)."""
    added: list[tuple[str, str]] = [(date_header, http_date(now)), ("digest", digest_header(body))]
    if request_id:
        added.append(("x-request-id", request_id))
    if request_signature:
        added.append(("x-request-signature", request_signature))
    if content_type:
        added.append(("content-type", content_type))
    names = [name for name, _ in added]
    signature = rsa_sign(key.private_key, signing_string(names, added))
    signed = [item for item in added if item[0] != "content-type"]
    signed.append(("signature", format_params(key.key_id, names, signature)))
    return signed
