"""Files outside the database: a directory tree (a mounted volume in production), written atomically,
readable only with the checksum recorded at upload, never served by path."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CorruptedDocumentError", "DocumentStore", "StoredDocument"]

_SAFE_PART = re.compile(r"^[A-Za-z0-9._-]+$")


class CorruptedDocumentError(Exception):
    """The bytes on disk no longer match the checksum recorded at upload (or the file is gone)."""


@dataclass(frozen=True)
class StoredDocument:
    """What to keep in the database about a stored file."""

    key: str
    sha256: str
    size: int


class DocumentStore:
    """Documents under ``root``: ``<tenant>/<2 hex>/<id>``, files 0600, directories 0700.

    Keys are built by the store from the tenant and a UUID, never from a client's file name, and are
    checked to stay inside ``root``; the content is only ever returned after its SHA-256 is verified.
    Several API replicas share the store through a ReadWriteMany volume.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not parts or any(not _SAFE_PART.match(part) or part in {".", ".."} for part in parts):
            raise ValueError("invalid document key")
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("document key outside the store")
        return path

    async def put(self, tenant: str, document_id: uuid.UUID, content: bytes) -> str:
        """Write ``content`` atomically (temporary file, fsync, rename); return its key."""
        return (await self.store(tenant, document_id, content)).key

    async def store(self, tenant: str, document_id: uuid.UUID, content: bytes) -> StoredDocument:
        """Like :meth:`put`, also giving the checksum and size to record beside the key."""
        key = f"{tenant}/{document_id.hex[:2]}/{document_id}"
        await asyncio.to_thread(self._write, self._path(key), content)
        return StoredDocument(key=key, sha256=hashlib.sha256(content).hexdigest(), size=len(content))

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(path.name + f".{uuid.uuid4().hex[:8]}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    async def get(self, key: str, sha256: str) -> bytes:
        """The bytes of ``key``, verified against ``sha256`` (:class:`CorruptedDocumentError` otherwise)."""
        try:
            content = await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError as exc:
            raise CorruptedDocumentError(f"{key} is missing") from exc
        if hashlib.sha256(content).hexdigest() != sha256:
            raise CorruptedDocumentError(f"{key} does not match its checksum")
        return content

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(lambda: path.unlink(missing_ok=True))
