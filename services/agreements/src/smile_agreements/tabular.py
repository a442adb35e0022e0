"""Reading spreadsheets people export from other tools: CSV (comma, semicolon or tab; UTF-8 with or
without BOM, or Windows-1252) and XLSX (first sheet). Headers are matched loosely: case, accents,
spaces and punctuation do not matter."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from openpyxl import load_workbook

from smile_common.errors import Problem

__all__ = ["Sheet", "norm", "read_sheet"]

MAX_ROWS = 20000


def norm(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@dataclass
class Sheet:
    headers: list[str]
    #: (row number as the user sees it, values by normalised header)
    rows: list[tuple[int, dict[str, str]]]

    def column(self, aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
        """For each field, the normalised header present in the sheet among its aliases."""
        found: dict[str, str] = {}
        for field, names in aliases.items():
            for name in names:
                if norm(name) in self.headers:
                    found[field] = norm(name)
                    break
        return found


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Problem("The file is neither UTF-8 nor Windows-1252 text.", status=422, slug="unreadable-file")


def _csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx(data: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Problem("The file is not a readable XLSX workbook.", status=422, slug="unreadable-file") from exc
    sheet = workbook.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell(v) for v in values])
    workbook.close()
    return rows


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(data: bytes, filename: str | None, content_type: str | None) -> Sheet:
    is_xlsx = (filename or "").lower().endswith(".xlsx") or "spreadsheetml" in (content_type or "") or data[:2] == b"PK"
    raw = _xlsx(data) if is_xlsx else _csv(data)
    raw = [r for r in raw if any(c.strip() for c in r)]
    if not raw:
        raise Problem("The file is empty.", status=422, slug="empty-file")
    if len(raw) > MAX_ROWS + 1:
        raise Problem(f"The file has more than {MAX_ROWS} rows; split it.", status=413, slug="too-many-rows")
    headers = [norm(h) for h in raw[0]]
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        cells = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(headers) if h}
        rows.append((number, cells))
    return Sheet(headers=headers, rows=rows)
