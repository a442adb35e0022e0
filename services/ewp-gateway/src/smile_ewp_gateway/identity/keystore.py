"""The key pairs of each covered university: client keys sign SMILE's requests, server keys its responses.

Keys are PEM files under ``<keys_dir>/<hei_id>/`` named ``<kind>-<UTC timestamp>.pem``. Every key in
the directory is published in the university's manifest; a retired key is renamed ``*.pem.retired``
and disappears from the manifest. The key used to sign is the newest one the registry already lists
(so that partners can verify it), or the newest one while none is registered yet. Rotation is therefore:
``keys rotate`` (new key published), wait until the registry lists it (SMILE switches by itself), then
``keys retire`` the old one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from smile_ewp_gateway.httpsig.keys import SigningKey, generate_private_key, private_key_pem

__all__ = ["KeyKind", "KeyStore", "StoredKey"]

KeyKind = Literal["client", "server"]
_NAME = re.compile(r"^(client|server)-(\d{8}T\d{6}(?:\d{6})?Z)\.pem$")


@dataclass(frozen=True)
class StoredKey:
    hei_id: str
    kind: KeyKind
    created: str
    path: Path
    key: SigningKey

    @property
    def key_id(self) -> str:
        return self.key.key_id


class KeyStore:
    """Reads and writes the key files; re-reads a university's directory when it changes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, tuple[float, list[StoredKey]]] = {}

    def _dir(self, hei_id: str) -> Path:
        if "/" in hei_id or hei_id.startswith("."):
            raise ValueError(f"not a SCHAC code: {hei_id!r}")
        return self.root / hei_id

    def keys(self, hei_id: str, kind: KeyKind | None = None) -> list[StoredKey]:
        """Published keys, oldest first."""
        directory = self._dir(hei_id)
        try:
            stamp = directory.stat().st_mtime
        except FileNotFoundError:
            return []
        cached = self._cache.get(hei_id)
        if cached is None or cached[0] != stamp:
            loaded = []
            for path in sorted(directory.iterdir()):
                match = _NAME.match(path.name)
                if match:
                    kind_name: KeyKind = "client" if match.group(1) == "client" else "server"
                    loaded.append(
                        StoredKey(hei_id, kind_name, match.group(2), path, SigningKey.from_pem(path.read_bytes()))
                    )
            loaded.sort(key=lambda k: k.created)
            cached = (stamp, loaded)
            self._cache[hei_id] = cached
        return [k for k in cached[1] if kind is None or k.kind == kind]

    def signing_key(self, hei_id: str, kind: KeyKind, registered: Callable[[str], bool] | None = None) -> StoredKey:
        """The key to sign with: the newest registered one, else the newest one."""
        keys = self.keys(hei_id, kind)
        if not keys:
            raise LookupError(f"no {kind} key for {hei_id}: run `smile-ewp-gateway keys generate --hei {hei_id}`")
        if registered is not None:
            for stored in reversed(keys):
                if registered(stored.key_id):
                    return stored
        return keys[-1]

    def generate(self, hei_id: str, kind: KeyKind, *, bits: int = 2048) -> StoredKey:
        directory = self._dir(hei_id)
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = directory / f"{kind}-{stamp}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_key_pem(generate_private_key(bits)))
        os.utime(directory)
        return next(k for k in self.keys(hei_id, kind) if k.path == path)

    def ensure(self, hei_ids: Iterable[str]) -> list[StoredKey]:
        """Generate the missing client and server keys (dev profile and first installation)."""
        made = []
        kinds: tuple[KeyKind, ...] = ("client", "server")
        for hei_id in hei_ids:
            for kind in kinds:
                if not self.keys(hei_id, kind):
                    made.append(self.generate(hei_id, kind))
        return made

    def retire(self, key_id: str) -> StoredKey:
        """Stop publishing and using a key (its file is kept as ``*.retired``)."""
        for directory in sorted(self.root.iterdir()) if self.root.is_dir() else []:
            for stored in self.keys(directory.name):
                if stored.key_id == key_id:
                    others = [k for k in self.keys(stored.hei_id, stored.kind) if k.key_id != key_id]
                    if not others:
                        raise ValueError(f"{key_id} is the only {stored.kind} key of {stored.hei_id}; rotate first")
                    stored.path.rename(stored.path.with_name(stored.path.name + ".retired"))
                    os.utime(stored.path.parent)
                    return stored
        raise LookupError(f"no published key with id {key_id}")
