"""draft-cavage-http-signatures (as EWP uses it) and the RFC 3230 ``Digest`` header.

Pure functions: parsing the signature parameters, building the signing string, RSA-SHA256 signing and
verification (RSASSA-PKCS1-v1_5), digests and HTTP dates. Header names are compared lowercase.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "ALGORITHM",
    "REQUEST_TARGET",
    "UUID_CANONICAL",
    "Headers",
    "SignatureParams",
    "digest_header",
    "digest_matches",
    "format_params",
    "header_value",
    "http_date",
    "parse_http_date",
    "parse_params",
    "rsa_sign",
    "rsa_verify",
    "signing_string",
]

ALGORITHM = "rsa-sha256"
REQUEST_TARGET = "(request-target)"
#: canonical UUID text (lowercase), as EWP requires for ``X-Request-Id``.
UUID_CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')

#: header fields as (lowercase name, value) pairs, in message order.
Headers = Sequence[tuple[str, str]]


class SignatureParams(dict[str, str]):
    """``keyId``, ``algorithm``, ``headers`` and ``signature`` of a Signature header."""

    @property
    def header_names(self) -> list[str]:
        # draft-cavage: when "headers" is absent only the Date header is signed
        return [h for h in self.get("headers", "date").lower().split(" ") if h]


def parse_params(value: str) -> SignatureParams:
    """Parse ``keyId="…",algorithm="…",headers="…",signature="…"``; raise ValueError when malformed."""
    params = SignatureParams()
    position = 0
    text = value.strip()
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None:
            raise ValueError(f"malformed signature parameters near {text[position : position + 20]!r}")
        name = match.group(1)
        if name in params:
            raise ValueError(f"signature parameter {name} given twice")
        params[name] = match.group(2)
        position = match.end()
    return params


def format_params(key_id: str, names: Iterable[str], signature: str) -> str:
    return f'keyId="{key_id}",algorithm="{ALGORITHM}",headers="{" ".join(names)}",signature="{signature}"'


def header_value(headers: Headers, name: str) -> str | None:
    """All values of ``name`` joined with ", " (draft-cavage §2.3), or None when absent."""
    values = [value.strip() for key, value in headers if key == name]
    return ", ".join(values) if values else None


def signing_string(names: Sequence[str], headers: Headers, request_target: str | None = None) -> str:
    """The text that is signed; raise KeyError naming the first header the message lacks."""
    lines = []
    for name in names:
        if name == REQUEST_TARGET:
            if request_target is None:
                raise KeyError(name)
            lines.append(f"{REQUEST_TARGET}: {request_target}")
            continue
        value = header_value(headers, name)
        if value is None:
            raise KeyError(name)
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def rsa_sign(private_key: rsa.RSAPrivateKey, text: str) -> str:
    signature = private_key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa_verify(public_key: rsa.RSAPublicKey, signature_b64: str, text: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def digest_matches(value: str, body: bytes) -> tuple[bool, str]:
    """Check a (possibly multi-valued) ``Digest`` header: its SHA-256 must match ``body``.

    Algorithm names are case-insensitive; other algorithms are ignored; SHA-256 must be present.
    """
    expected = hashlib.sha256(body).digest()
    found = False
    for part in value.split(","):
        algorithm, sep, encoded = part.strip().partition("=")
        if not sep or algorithm.strip().lower() != "sha-256":
            continue
        found = True
        try:
            if base64.b64decode(encoded.strip(), validate=True) == expected:
                return True, ""
        except (binascii.Error, ValueError):
            return False, "the SHA-256 digest is not valid base64"
    if not found:
        return False, "the Digest header has no SHA-256 value (SHA-256 is required)"
    return False, "the SHA-256 digest does not match the body"


def http_date(moment: datetime) -> str:
    """RFC 7231 IMF-fixdate, e.g. ``Tue, 07 Jan 2025 10:00:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
