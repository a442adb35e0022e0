"""The filters every indicator takes, read from the query string and checked strictly.

A misspelt parameter, a malformed value, a value the university has never seen or an inverted date
range is a 400 problem naming the parameter: a typo must never look like "no students".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from smile_common.errors import Problem

__all__ = [
    "CATEGORICAL",
    "DIMENSIONS",
    "Filters",
    "InvalidFilter",
    "parse_filters",
]

#: the dimensions a figure can be filtered on and broken down by, with their meaning.
DIMENSIONS: dict[str, str] = {
    "academic_year": "Receiving academic year, e.g. `2026/2027`.",
    "term": "EWP academic term id, e.g. `2026/2027-1/2` (first term of two).",
    "partner": "SCHAC code of the sending institution, e.g. `uni-koeln.de`.",
    "country": "ISO 3166-1 alpha-2 code of the sending institution's country, e.g. `DE`.",
    "faculty": "Code of the receiving faculty (organisational unit), e.g. `DROIT`.",
    "isced": "ISCED-F 2013 field of education; a value matches every code starting with it (`04` matches `0421`).",
    "eqf": "EQF level, 1 to 8.",
    "programme": "Mobility programme, e.g. `erasmus+`.",
}
#: dimensions whose values must be known to the university (typos are reported, not answered with zeros).
CATEGORICAL = ("partner", "country", "faculty", "programme")
MAX_VALUES = 50

_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "academic_year": (re.compile(r"^\d{4}/\d{4}$"), "an academic year such as 2026/2027"),
    "term": (re.compile(r"^[\w/.\-]{1,32}$"), "a term code such as 2026/2027-1/2"),
    "partner": (re.compile(r"^[a-z0-9][a-z0-9.\-]{0,253}$"), "a SCHAC code such as uni-koeln.de"),
    "country": (re.compile(r"^[A-Z]{2}$"), "a two-letter ISO 3166-1 code such as DE"),
    "faculty": (re.compile(r"^[\w.\-]{1,64}$"), "an organisational unit code"),
    "isced": (re.compile(r"^\d{2,4}$"), "an ISCED-F code of 2 to 4 digits such as 0421"),
    "eqf": (re.compile(r"^[1-8]$"), "an EQF level from 1 to 8"),
    "programme": (re.compile(r"^[\w+ .\-]{1,64}$"), "a programme name such as erasmus+"),
}
_NORMALISE = {"partner": str.lower, "country": str.upper}


class InvalidFilter(Problem):
    status, slug, title = 400, "invalid-filter", "Invalid filter"


@dataclass(frozen=True)
class Filters:
    """Filter values (an empty tuple means "all") and the optional date range of the figure's own date."""

    academic_year: tuple[str, ...] = ()
    term: tuple[str, ...] = ()
    partner: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    faculty: tuple[str, ...] = ()
    isced: tuple[str, ...] = ()
    eqf: tuple[int, ...] = ()
    programme: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    by: tuple[str, ...] = field(default=())

    def values(self, name: str) -> tuple[Any, ...]:
        value: tuple[Any, ...] = getattr(self, name)
        return value

    def active(self) -> list[str]:
        return [name for name in DIMENSIONS if self.values(name)]

    def as_dict(self) -> dict[str, Any]:
        """The filters as they are echoed back in answers and exports."""
        out: dict[str, Any] = {name: list(self.values(name)) for name in DIMENSIONS if self.values(name)}
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        return out

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether a record (dimension values by name) passes every active filter.

        A record may hold several values of a dimension (the terms of a course, the ISCED codes of a
        cooperation condition): it passes when one of them does.
        """
        for name in self.active():
            wanted = self.values(name)
            value = record.get(name)
            values = list(value) if isinstance(value, list | tuple) else [value]
            if name == "isced":
                ok = any(v and str(v).startswith(prefix) for v in values for prefix in wanted)
            else:
                ok = any(v in wanted for v in values)
            if not ok:
                return False
        return True


def parse_filters(
    items: Iterable[tuple[str, str]],
    *,
    allowed: Sequence[str],
    breakdowns: Sequence[str] = (),
    extra: Sequence[str] = (),
    dated: bool = True,
) -> Filters:
    """Read ``items`` (the query string) into :class:`Filters`; raise :class:`InvalidFilter` on any error.

    ``allowed`` are the dimensions this figure can be filtered on, ``breakdowns`` the values ``by`` may
    take, ``extra`` other parameters the endpoint reads itself (``format``...).
    """
    errors: list[dict[str, str]] = []
    collected: dict[str, list[str]] = {}
    for name, raw in items:
        for value in (v.strip() for v in raw.split(",")):
            if value:
                collected.setdefault(name, []).append(value)
    known = {*allowed, *(("from", "to") if dated else ()), "by", *extra}
    for name in sorted(set(collected) - known):
        reason = "does not apply to this figure" if name in DIMENSIONS else "is not a known parameter"
        errors.append({"parameter": name, "reason": f"{name} {reason}; expected one of {sorted(known)}"})
    values: dict[str, Any] = {}
    for name in allowed:
        values[name] = tuple(_check(name, collected.get(name, []), errors))
    by = collected.get("by", [])
    for item in by:
        if item not in breakdowns:
            errors.append({"parameter": "by", "value": item, "reason": f"expected one of {list(breakdowns)}"})
    if len(set(by)) != len(by) or len(by) > 3:
        errors.append({"parameter": "by", "reason": "at most three different breakdowns"})
    date_from = _date("from", collected.get("from", []), errors)
    date_to = _date("to", collected.get("to", []), errors)
    if errors:
        raise InvalidFilter("Some filters are not valid: " + "; ".join(_describe(e) for e in errors), errors=errors)
    if date_from and date_to and date_from > date_to:
        raise Problem(
            f"The date range is inverted: from {date_from} is after to {date_to}.",
            status=400,
            slug="invalid-date-range",
            title="Invalid date range",
        )
    values["eqf"] = tuple(int(v) for v in values.get("eqf", ()))
    known_fields = {f.name for f in fields(Filters)}
    kwargs = {k: v for k, v in values.items() if k in known_fields}
    return Filters(**kwargs, date_from=date_from, date_to=date_to, by=tuple(by))


def _check(name: str, raw: list[str], errors: list[dict[str, str]]) -> list[str]:
    if len(raw) > MAX_VALUES:
        errors.append({"parameter": name, "reason": f"at most {MAX_VALUES} values"})
        return []
    pattern, expected = _PATTERNS[name]
    out = []
    for value in raw:
        value = _NORMALISE.get(name, str)(value)
        if not pattern.match(value) or (name == "academic_year" and not _consecutive(value)):
            errors.append({"parameter": name, "value": value, "reason": f"expected {expected}"})
        elif value not in out:
            out.append(value)
    return out


def _consecutive(year: str) -> bool:
    start, end = year.split("/")
    return int(end) == int(start) + 1


def _date(name: str, raw: list[str], errors: list[dict[str, str]]) -> date | None:
    if not raw:
        return None
    if len(raw) > 1:
        errors.append({"parameter": name, "reason": "give one date"})
        return None
    try:
        return date.fromisoformat(raw[0])
    except ValueError:
        errors.append({"parameter": name, "value": raw[0], "reason": "expected a date such as 2026-09-01"})
        return None


def _describe(error: dict[str, str]) -> str:
    value = f" ({error['value']})" if "value" in error else ""
    return f"{error['parameter']}{value}: {error['reason']}"
