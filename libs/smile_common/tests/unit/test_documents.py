"""Documents: type from content, active PDFs spotted, atomic checked storage that cannot escape its root."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

import pytest

from smile_common.documents import CorruptedDocumentError, DocumentStore, active_content, sniff

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_type_comes_from_the_bytes_not_the_name() -> None:
    assert sniff(PDF) == "application/pdf"
    assert sniff(PNG) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"MZ\x90\x00 an executable renamed passport.pdf") is None
    assert sniff(b"%PDF-1.4 truncated upload without its end") is None
    assert sniff(_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})).endswith("document")
    assert sniff(_zip({"mimetype": b"application/vnd.oasis.opendocument.text"})) == (
        "application/vnd.oasis.opendocument.text"
    )
    assert sniff(_zip({"payload.exe": b"MZ"})) is None


def test_active_content_in_a_pdf_is_named() -> None:
    scripted = PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    assert active_content(scripted) == ["/JS", "/JavaScript", "/OpenAction"]
    assert active_content(PDF) == []
    assert active_content(PNG) == []
    assert active_content(PDF.replace(b"/Catalog", b"/Catalog /JSONData 1")) == []
    # an initial view (what fpdf2, LibreOffice or Word write) is not an action
    assert active_content(PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction [3 0 R /FitH null]")) == []
    assert active_content(PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction 7 0 R")) == ["/OpenAction"]


async def test_stored_files_are_checked_private_and_inside_the_root(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    stored = await store.store("unicaen.fr", uuid.uuid4(), PDF)
    assert await store.get(stored.key, stored.sha256) == PDF
    path = tmp_path / stored.key
    assert path.stat().st_mode & 0o777 == 0o600
    assert not list(path.parent.glob("*.part"))
    path.write_bytes(PDF + b"tampered")
    with pytest.raises(CorruptedDocumentError):
        await store.get(stored.key, stored.sha256)
    await store.delete(stored.key)
    with pytest.raises(CorruptedDocumentError):
        await store.get(stored.key, stored.sha256)
    for key in ("../outside", "unicaen.fr/../../etc/passwd", "/etc/passwd", "a//b", "unicaen.fr/x y"):
        with pytest.raises(ValueError, match="document key"):
            await store.get(key, stored.sha256)
