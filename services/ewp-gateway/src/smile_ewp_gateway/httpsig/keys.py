"""RSA keys of the EWP network: key ids, manifest encoding, loading and generating."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = [
    "MIN_KEY_BITS",
    "SigningKey",
    "generate_private_key",
    "key_id",
    "load_private_key_pem",
    "load_public_key_b64",
    "private_key_pem",
    "public_key_b64",
    "public_key_der",
]

#: the registry refuses client and server keys below this size.
MIN_KEY_BITS = 2048
_WHITESPACE = re.compile(r"\s+")


def public_key_der(public_key: rsa.RSAPublicKey) -> bytes:
    """The DER SubjectPublicKeyInfo: what the manifest publishes (base64) and what key ids hash."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key: rsa.RSAPublicKey | bytes) -> str:
    """The EWP key id: lowercase hex SHA-256 of the DER public key (not of the PEM, not of a certificate)."""
    der = public_key if isinstance(public_key, bytes) else public_key_der(public_key)
    return hashlib.sha256(der).hexdigest()


def public_key_b64(public_key: rsa.RSAPublicKey) -> str:
    return base64.b64encode(public_key_der(public_key)).decode("ascii")


def load_public_key_b64(text: str) -> rsa.RSAPublicKey:
    """A key as a manifest or the registry's ``binaries`` give it (base64 DER, whitespace allowed)."""
    der = base64.b64decode(_WHITESPACE.sub("", text), validate=True)
    key = serialization.load_der_public_key(der)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def load_private_key_pem(data: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    if key.key_size < MIN_KEY_BITS:
        raise ValueError(f"RSA keys must have at least {MIN_KEY_BITS} bits (this one has {key.key_size})")
    return key


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def generate_private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    if bits < MIN_KEY_BITS:
        raise ValueError(f"RSA keys must have at least {MIN_KEY_BITS} bits")
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@dataclass(frozen=True)
class SigningKey:
    """A private key with its EWP key id, ready to sign requests or responses."""

    private_key: rsa.RSAPrivateKey
    key_id: str = field(init=False)
    public_b64: str = field(init=False)

    def __post_init__(self) -> None:
        public = self.private_key.public_key()
        object.__setattr__(self, "key_id", key_id(public))
        object.__setattr__(self, "public_b64", public_key_b64(public))

    @classmethod
    def from_pem(cls, data: bytes) -> SigningKey:
        return cls(load_private_key_pem(data))

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()
