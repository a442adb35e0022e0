"""The client side of EWP HTTP signatures: signing SMILE's requests, verifying partners' responses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from smile_ewp_gateway.httpsig.cavage import (
    ALGORITHM,
    REQUEST_TARGET,
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
from smile_ewp_gateway.httpsig.server import MAX_CLOCK_SKEW

__all__ = ["EwpSignatureAuth", "ResponseSignatureError", "sign_request", "verify_response"]


class ResponseSignatureError(Exception):
    """A partner's response fails server authentication: it must not be trusted."""


def _lower_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(name.lower(), value) for name, value in headers.multi_items()]


def sign_request(request: httpx.Request, key: SigningKey, *, now: datetime | None = None) -> str:
    """Add Date, X-Request-Id, Digest, Accept-Signature and the Authorization signature; return the request id.

    Signs every header a strict server needs to trust: the mandatory ones plus Content-Type (POST) and
    Accept-Signature. Compression is refused (``Accept-Encoding: identity``) so that the response
    digest can be checked on the bytes as sent.
    """
    moment = now or datetime.now(UTC)
    request_id = str(uuid.uuid4())
    body = request.content
    request.headers["Date"] = http_date(moment)
    request.headers["X-Request-Id"] = request_id
    request.headers["Digest"] = digest_header(body)
    request.headers["Accept-Signature"] = ALGORITHM
    request.headers["Accept-Encoding"] = "identity"
    names = [REQUEST_TARGET, "host", "date", "x-request-id", "digest", "accept-signature"]
    if "content-type" in request.headers:
        names.append("content-type")
    target = request.url.raw_path.decode("ascii")
    text = signing_string(names, _lower_headers(request.headers), f"{request.method.lower()} {target}")
    signature = rsa_sign(key.private_key, text)
    request.headers["Authorization"] = "Signature " + format_params(key.key_id, names, signature)
    return request_id


class EwpSignatureAuth(httpx.Auth):
    """httpx authentication that signs each request with ``key`` (cliauth-httpsig)."""

    requires_request_body = True

    def __init__(self, key: SigningKey) -> None:
        self.key = key

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sign_request(request, self.key)
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        sign_request(request, self.key)
        yield request


def verify_response(
    response: httpx.Response,
    *,
    server_keys: Mapping[str, rsa.RSAPublicKey] | Callable[[str], rsa.RSAPublicKey | None],
    now: datetime | None = None,
) -> str:
    """Check a partner's signed response per srvauth-httpsig; return the server key id that signed it.

    ``server_keys`` are the keys the registry lists for the host whose manifest gave the URL called.
    """
    request = response.request
    headers = _lower_headers(response.headers)
    sent_id = request.headers.get("x-request-id")
    if sent_id and header_value(headers, "x-request-id") != sent_id:
        raise ResponseSignatureError("the response does not echo our X-Request-Id")
    value = header_value(headers, "signature")
    if value is None:
        raise ResponseSignatureError("the response is not signed (no Signature header)")
    try:
        params = parse_params(value)
    except ValueError as exc:
        raise ResponseSignatureError(f"unparseable Signature header: {exc}") from exc
    if params.get("algorithm", "").lower() != ALGORITHM:
        raise ResponseSignatureError("the response signature algorithm is not rsa-sha256")
    names = params.header_names
    required = ["digest"] + (["x-request-id"] if sent_id else [])
    authorization = request.headers.get("authorization", "")
    request_signature = None
    if authorization.lower().startswith("signature "):
        request_signature = parse_params(authorization[len("signature ") :]).get("signature")
        required.append("x-request-signature")
        if header_value(headers, "x-request-signature") != request_signature:
            raise ResponseSignatureError("the response does not echo our request signature")
    missing = [n for n in required if n not in names]
    if "date" not in names and "original-date" not in names:
        missing.append("date")
    if missing:
        raise ResponseSignatureError("the response signature does not cover: " + ", ".join(missing))
    lookup = server_keys.get if isinstance(server_keys, Mapping) else server_keys
    public_key = lookup(params.get("keyId", ""))
    if public_key is None:
        raise ResponseSignatureError(f"key {params.get('keyId')} is not a server key of the partner's host")
    moment = now or datetime.now(UTC)
    for name in ("date", "original-date"):
        stamp = header_value(headers, name)
        if stamp is not None and name in names:
            parsed = parse_http_date(stamp)
            if parsed is None or abs(moment - parsed) > MAX_CLOCK_SKEW:
                raise ResponseSignatureError(f"the response {name} is missing or more than 5 minutes off")
    ok, reason = digest_matches(header_value(headers, "digest") or "", response.content)
    if not ok:
        raise ResponseSignatureError(reason)
    try:
        text = signing_string(names, headers)
    except KeyError as exc:
        raise ResponseSignatureError(f"signed header {exc} is missing from the response") from exc
    if not rsa_verify(public_key, params.get("signature", ""), text):
        raise ResponseSignatureError("the response signature does not verify")
    return params["keyId"]
