"""Streaming writers: rows in, bytes out, chunk by chunk, whatever the number of rows.

CSV (RFC 4180, UTF-8, header row), JSON (an array of objects, one per row) and XLSX (Office Open XML
written straight into a streamed ZIP: one ``inlineStr`` cell per value, a new sheet every 1,048,575
rows). Memory stays proportional to one chunk, never to the export.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from xml.sax.saxutils import escape

__all__ = ["FORMATS", "stream_csv", "stream_json", "stream_xlsx"]

#: format -> (media type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
CHUNK_BYTES = 64 * 1024
XLSX_MAX_ROWS = 1_048_576


def cell_text(value: Any) -> str:
    """A value as text, the same in every format: ISO dates, ``.`` decimals, ``|`` between list items."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if kind is int or kind is float:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "|".join(cell_text(v) for v in value)
    return str(value)


def json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


async def stream_csv(columns: Sequence[str], rows: AsyncIterable[Sequence[Any]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    async for row in rows:
        writer.writerow([cell_text(v) for v in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def stream_json(columns: Sequence[str], rows: AsyncIterable[Sequence[Any]]) -> AsyncIterator[bytes]:
    parts: list[str] = ["["]
    size, first = 1, True
    async for row in rows:
        item = json.dumps({name: json_value(v) for name, v in zip(columns, row, strict=True)}, ensure_ascii=False)
        parts.append(item if first else "," + item)
        first = False
        size += len(item) + 1
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode()
            parts, size = [], 0
    parts.append("]")
    yield "".join(parts).encode()


class _Pipe:
    """A write-only, unseekable file: ZipFile writes into it, we hand the bytes on as chunks."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks, self.size = [], 0
        return data


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xlsx_cell(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(_xml_safe(cell_text(value)))}</t></is></c>'


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx_row(number: int, values: Sequence[Any], letters: Sequence[str]) -> str:
    cells = "".join(_xlsx_cell(f"{letters[i]}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


async def stream_xlsx(
    columns: Sequence[str], rows: AsyncIterable[Sequence[Any]], *, sheet_title: str = "data"
) -> AsyncIterator[bytes]:
    pipe = _Pipe()
    letters = [_column_letter(i) for i in range(len(columns))]
    sheets = 0
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        sheet = None
        number = 0
        async for row in rows:
            if sheet is None or number == XLSX_MAX_ROWS:
                if sheet is not None:
                    sheet.write(b"</sheetData></worksheet>")
                    sheet.close()
                sheets += 1
                sheet = archive.open(f"xl/worksheets/sheet{sheets}.xml", "w", force_zip64=True)
                sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}"><sheetData>'.encode())
                sheet.write(_xlsx_row(1, columns, letters).encode())
                number = 1
            number += 1
            sheet.write(_xlsx_row(number, row, letters).encode())
            if pipe.size >= CHUNK_BYTES:
                yield pipe.take()
        if sheet is None:
            sheets = 1
            sheet = archive.open("xl/worksheets/sheet1.xml", "w")
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}"><sheetData>'.encode())
            sheet.write(_xlsx_row(1, columns, letters).encode())
        sheet.write(b"</sheetData></worksheet>")
        sheet.close()
        for name, content in _workbook_parts(sheets, sheet_title).items():
            archive.writestr(name, content)
    yield pipe.take()


def _workbook_parts(sheets: int, title: str) -> dict[str, str]:
    ids = range(1, sheets + 1)
    names = [title[:31] if n == 1 else f"{title[:27]} ({n})" for n in ids]
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in ids
    )
    return {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{sheet_types}</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_REL}">'
        "<sheets>"
        + "".join(
            f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>' for n, name in zip(ids, names, strict=True)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>' for n in ids)
        + "</Relationships>",
    }
