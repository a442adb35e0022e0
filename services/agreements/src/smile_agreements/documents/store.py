"""The document store: a directory tree outside the database (a mounted volume in production)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from pathlib import Path

__all__ = ["CorruptedDocumentError", "DocumentStore"]


class CorruptedDocumentError(Exception):
    """The bytes on disk no longer match the checksum recorded at upload."""


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("document key outside the store")
        return path

    async def put(self, tenant: str, document_id: uuid.UUID, content: bytes) -> str:
        """Write ``content`` atomically; return its key."""
        key = f"{tenant}/{str(document_id)[:2]}/{document_id}"
        await asyncio.to_thread(self._write, self._path(key), content)
        return key

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    async def get(self, key: str, sha256: str) -> bytes:
        """The bytes of ``key``, verified against ``sha256``."""
        content = await asyncio.to_thread(self._path(key).read_bytes)
        if hashlib.sha256(content).hexdigest() != sha256:
            raise CorruptedDocumentError(key)
        return content

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(lambda: path.unlink(missing_ok=True))
