"""What a file really is, from its first bytes (never from its name or the type the client claims)."""

from __future__ import annotations

#: (content type, signature at offset 0)
_SIGNATURES: list[tuple[str, bytes]] = [
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
]


def sniff(content: bytes) -> str | None:
    """The content type of ``content`` among the accepted ones, or None."""
    for content_type, signature in _SIGNATURES:
        if content.startswith(signature):
            if content_type == "application/pdf" and not _pdf_is_whole(content):
                return None
            return content_type
    return None


def _pdf_is_whole(content: bytes) -> bool:
    # A PDF ends with an %%EOF marker (possibly followed by whitespace); a renamed text file or a
    # truncated upload does not.
    return b"%%EOF" in content[-1024:]


EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
