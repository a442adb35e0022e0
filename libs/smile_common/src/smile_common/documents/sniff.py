"""What a file really is, from its bytes (never from its name or the type the client claims)."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

__all__ = ["ACTIVE_PDF_MARKERS", "EXTENSIONS", "active_content", "sniff"]

#: (content type, signature at offset 0)
_SIGNATURES: list[tuple[str, bytes]] = [
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/webp", b"RIFF"),
    ("application/zip", b"PK\x03\x04"),
]
_ODF_TEXT = "application/vnd.oasis.opendocument.text"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    _ODF_TEXT: ".odt",
    _DOCX: ".docx",
}

#: PDF names that make a document do something when opened (scripts, launching, embedded files).
ACTIVE_PDF_MARKERS = ("/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/OpenAction", "/AA", "/RichMedia")
# ``/OpenAction`` followed by a destination array (``[3 0 R /FitH null]``, what most PDF writers emit to set
# the initial view) only opens a page; followed by a dictionary (or a reference to one) it runs an action.
_PDF_NAME = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFile|AA|RichMedia)(?![A-Za-z0-9])|/(OpenAction)(?=\s*(?:<<|\d+\s+\d+\s+R))"
)


def sniff(content: bytes) -> str | None:
    """The content type of ``content`` among the known ones, or ``None``."""
    for content_type, signature in _SIGNATURES:
        if not content.startswith(signature):
            continue
        if content_type == "application/pdf":
            return content_type if b"%%EOF" in content[-1024:] else None
        if content_type == "image/webp":
            return content_type if content[8:12] == b"WEBP" else None
        if content_type == "application/zip":
            return _office_document(content)
        return content_type
    return None


def _office_document(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == _ODF_TEXT.encode():
                return _ODF_TEXT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return _DOCX
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None
    return None


def active_content(content: bytes) -> list[str]:
    """The active-content names a PDF uses (``[]`` for a plain document, or for anything but a PDF)."""
    if not content.startswith(b"%PDF-"):
        return []
    return sorted({"/" + (name or action).decode() for name, action in _PDF_NAME.findall(content)})
