"""The dev token issuer: a local RSA key that signs tokens for any role, in the dev profile only.

The key is generated on first use under ``<data_dir>/dev-issuer/`` (never committed). Production refuses
this issuer (see :class:`smile_common.settings.ServiceSettings`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

__all__ = ["DEV_ISSUER", "DevIssuer"]

DEV_ISSUER = "smile-dev-issuer"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class DevIssuer:
    def __init__(self, data_dir: Path, *, issuer: str = DEV_ISSUER, audience: str = "smile") -> None:
        self.issuer = issuer
        self.audience = audience
        self.key_path = data_dir / "dev-issuer" / "private-key.pem"
        self._private_pem = self._load_or_create()
        key = serialization.load_pem_private_key(self._private_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        numbers = key.public_key().public_numbers()
        der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.kid = hashlib.sha256(der).hexdigest()[:16]
        self._jwk = {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }

    def _load_or_create(self) -> bytes:
        if self.key_path.exists():
            return self.key_path.read_bytes()
        self.key_path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = self.key_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pem)
        os.chmod(tmp, 0o600)
        if self.key_path.exists():  # another process won the race
            tmp.unlink()
            return self.key_path.read_bytes()
        tmp.replace(self.key_path)
        return pem

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(self._jwk)]}

    def mint(
        self,
        *,
        subject: str,
        roles: Iterable[str],
        hei: str,
        ttl_seconds: int = 8 * 3600,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
            "jti": str(uuid.uuid4()),
            "roles": sorted(set(roles)),
            "hei": hei,
        }
        body.update(claims)
        return jwt.encode(body, self._private_pem.decode(), algorithm="RS256", headers={"kid": self.kid})
