"""Streamed export responses."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import StreamingResponse

from smile_common.errors import Problem
from smile_indicators.exports.writers import FORMATS, stream_csv, stream_json, stream_xlsx

__all__ = ["FORMAT_DESCRIPTION", "check_format", "export_response"]

FORMAT_DESCRIPTION = "`csv` (default), `xlsx` or `json` (an array of objects)."


def check_format(value: str | None) -> str:
    chosen = (value or "csv").lower()
    if chosen not in FORMATS:
        raise Problem(
            f"Unknown export format {value!r}; use one of {', '.join(FORMATS)}.",
            status=400,
            slug="unsupported-export-format",
            title="Unsupported export format",
            formats=list(FORMATS),
        )
    return chosen


def export_response(
    fmt: str, name: str, columns: Sequence[str], rows: AsyncIterable[Sequence[Any]]
) -> StreamingResponse:
    """Stream ``rows`` as ``fmt``; the file is named ``<name>-<UTC timestamp>.<ext>``."""
    media_type, extension = FORMATS[fmt]
    if fmt == "csv":
        body = stream_csv(columns, rows)
    elif fmt == "json":
        body = stream_json(columns, rows)
    else:
        body = stream_xlsx(columns, rows, sheet_title=name[:31])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "Content-Disposition": f'attachment; filename="{name}-{stamp}.{extension}"',
        "Cache-Control": "no-store",
        "X-Smile-Columns": ",".join(columns),
    }
    return StreamingResponse(body, media_type=media_type, headers=headers)
