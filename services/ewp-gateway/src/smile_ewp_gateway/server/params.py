"""EWP request parameters: query string (GET) or form body (POST), repeatable names, strict counts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import parse_qsl

__all__ = ["EwpParams", "ParamError", "parse_params"]

_FORM = "application/x-www-form-urlencoded"
_ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{4})$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ParamError(Exception):
    """Invalid parameters: 400 (or 415 for a body that is not a form)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class EwpParams:
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in pairs:
            self.values.setdefault(name, []).append(value)

    def many(self, name: str, *, limit: int | None = None) -> list[str]:
        """Every value of a repeatable parameter; more than ``limit`` is a 400, even for unknown ids."""
        values = self.values.get(name, [])
        if limit is not None and len(values) > limit:
            raise ParamError(f"too many {name} values: {len(values)} (the maximum is {limit})")
        return values

    def one(self, name: str, *, required: bool = False) -> str | None:
        values = self.values.get(name, [])
        if len(values) > 1:
            raise ParamError(f"{name} must be given once, not {len(values)} times")
        if not values:
            if required:
                raise ParamError(f"the {name} parameter is required")
            return None
        return values[0]

    def modified_since(self) -> datetime | None:
        """``modified_since`` as an xs:dateTime with offset; a plain date or another format is a 400."""
        value = self.one("modified_since")
        if value is None:
            return None
        if not _DATETIME.match(value):
            raise ParamError(
                f"modified_since must be a date-time with an offset, e.g. 2004-02-12T15:19:21+01:00, not {value!r}"
            )
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ParamError(f"modified_since is not a valid date-time: {value!r}") from exc

    def academic_years(self, name: str = "receiving_academic_year_id") -> list[tuple[int, int]]:
        years = []
        for value in self.many(name):
            match = _ACADEMIC_YEAR.match(value)
            if match is None:
                raise ParamError(f"{name} must look like 2024/2025 (or 2025/2025), not {value!r}")
            start, end = int(match.group(1)), int(match.group(2))
            if end not in (start, start + 1):
                raise ParamError(f"{name} {value!r} is not an academic year")
            years.append((start, end))
        return years

    def date(self, name: str) -> str | None:
        value = self.one(name)
        if value is not None and not _DATE.match(value):
            raise ParamError(f"{name} must be a date (YYYY-MM-DD), not {value!r}")
        return value


def _pairs(raw: bytes, what: str) -> list[tuple[str, str]]:
    try:
        text = raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=5000)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParamError(f"the {what} cannot be read as form parameters: {exc}") from exc


def parse_params(method: str, query: bytes, content_type: str | None, body: bytes) -> EwpParams:
    pairs = _pairs(query, "query string")
    if method == "POST" and body:
        media = (content_type or "").split(";")[0].strip().lower()
        if media != _FORM:
            raise ParamError(f"POST parameters must be sent as {_FORM}, not {media or 'no content type'}", status=415)
        pairs += _pairs(body, "body")
    return EwpParams(pairs)
