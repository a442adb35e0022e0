"""Serving a stored document: only through an authorised endpoint, as a download the browser cannot run."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

__all__ = ["download_response"]


def download_response(content: bytes, *, filename: str, content_type: str, sha256: str | None = None) -> Response:
    """A response that makes the browser save the file, never render or sniff it, and nobody cache it."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename) or "document"
    headers = {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    if sha256:
        headers["Digest"] = f"sha-256={sha256}"
    return Response(content, media_type=content_type, headers=headers)
