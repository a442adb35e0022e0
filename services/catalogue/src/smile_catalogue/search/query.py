"""A catalogue search as SQL: full text, filters, stable sort and keyset pagination, on both backends.

PostgreSQL matches the generated ``search_vector`` (GIN index); SQLite matches its FTS5 table. Both get
the same folded words (see :mod:`smile_catalogue.text`), so they find the same courses. Relevance is
computed the same way on both: an exact code first, then courses whose code or title holds every word,
then the others, each group by code.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from smile_catalogue import text
from smile_catalogue.courses.index import facet_entry, format_ects, levels_up_to
from smile_catalogue.courses.models import Course, CourseStatus
from smile_catalogue.db import SCHEMA
from smile_common.errors import Problem

__all__ = ["SORTS", "Filters", "InvalidCursor", "SearchQuery"]

SORTS = ("relevance", "code", "title", "ects", "-ects")
_FTS = sa.table("course_fts", sa.column("rowid"), schema=SCHEMA)


class InvalidCursor(Problem):
    status, slug, title = 400, "invalid-cursor", "The cursor is not one this API gave out for this search"


@dataclass(frozen=True)
class Filters:
    """What a search is restricted to; each list is "any of these" and the filters are combined with "and"."""

    terms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    cefr: str | None = None
    eqf: tuple[int, ...] = ()
    isced: tuple[str, ...] = ()
    ects_min: Decimal | None = None
    ects_max: Decimal | None = None
    units: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    days: tuple[str, ...] = ()
    statuses: tuple[str, ...] = (CourseStatus.PUBLISHED.value,)
    open_to_exchange: bool | None = True

    def active(self) -> list[str]:
        """The facet dimensions this search filters on (their facets are counted without their filter)."""
        names = {"terms": "term", "languages": "language", "cefr": "cefr", "eqf": "eqf", "isced": "isced"}
        names |= {"units": "unit", "programmes": "programme", "days": "day"}
        out = [facet for attr, facet in names.items() if getattr(self, attr)]
        if self.ects_min is not None or self.ects_max is not None:
            out.append("ects")
        return out


@dataclass(frozen=True)
class SearchQuery:
    tenant: str
    q: str | None = None
    filters: Filters = field(default_factory=Filters)
    sort: str = "code"
    lang: str = "en"
    postgres: bool = True

    @functools.cached_property
    def words(self) -> list[str]:
        return text.query_tokens(self.q or "")

    @property
    def effective_sort(self) -> str:
        """The order of the answer: ``relevance`` without words is by ``code``."""
        return self.sort if self.sort != "relevance" or self.words else "code"

    def fingerprint(self) -> str:
        """Identifies the search (not the page): a cursor only continues the search it came from."""
        parts = [self.tenant, " ".join(self.words), self.sort, self.lang]
        parts += [repr(getattr(self.filters, f.name)) for f in fields(self.filters)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]

    # --- conditions ----------------------------------------------------------------------------
    def facet_filters(self, *, without: str | None = None) -> list[tuple[str, Sequence[str]]]:
        """The filters answered from the facet rows, as (facet dimension, values wanted); ``without``: leaving
        one facet's filter out (its own counts). The SQL conditions and the in-memory index both use it."""
        f = self.filters
        by_facet: list[tuple[str, str, Sequence[str]]] = [
            ("term", "term", f.terms),
            ("eqf", "eqf", [str(level) for level in f.eqf]),
            ("isced", "isced", f.isced),
            ("unit", "ounit", f.units),
            ("programme", "prog", f.programmes),
            ("day", "day", f.days),
        ]
        return [(dim, values) for facet, dim, values in by_facet if values and facet != without]

    def conditions(self, *, without: str | None = None) -> list[ColumnElement[bool]]:
        """Every condition of the search; ``without`` leaves one facet's filter out (disjunctive counts)."""
        f = self.filters
        conds: list[ColumnElement[bool]] = [Course.tenant == self.tenant, Course.status.in_(f.statuses)]
        if f.open_to_exchange is not None:
            conds.append(Course.open_to_exchange.is_(f.open_to_exchange))
        if self.words:
            conds.append(self._text_match(head_only=False))
        for dim, values in self.facet_filters(without=without):
            conds.append(self._in_facet(dim, values))
        conds += self._language_conditions(without)
        if without != "ects":
            if f.ects_min is not None:
                conds.append(Course.ects >= f.ects_min)
            if f.ects_max is not None:
                conds.append(Course.ects <= f.ects_max)
        return conds

    def _language_conditions(self, without: str | None) -> list[ColumnElement[bool]]:
        f = self.filters
        languages = () if without == "language" else f.languages
        conds: list[ColumnElement[bool]] = []
        if f.cefr and without != "cefr":
            levels = levels_up_to(f.cefr)
            if languages:
                conds.append(self._in_facet("level", [f"{lang}:{lvl}" for lang in languages for lvl in levels]))
            else:
                conds.append(self._in_facet("cefr", levels))
        elif languages:
            conds.append(self._in_facet("lang", languages))
        return conds

    def _in_facet(self, dim: str, values: Sequence[str]) -> ColumnElement[bool]:
        """The course has one of ``values`` in dimension ``dim``."""
        entries = [facet_entry(dim, value) for value in values]
        if self.postgres:  # array overlap, answered by the GIN index on the column
            return Course.facets.bool_op("&&")(sa.bindparam(None, entries, type_=postgresql.ARRAY(sa.Text())))
        each = sa.func.json_each(Course.facets).table_valued("value")
        return sa.exists(sa.select(1).select_from(each).where(each.c.value.in_(entries)))

    def _text_match(self, *, head_only: bool) -> ColumnElement[bool]:
        if self.postgres:
            query = sa.func.to_tsquery(
                sa.literal_column("'simple'::regconfig"), text.tsquery(self.words, head_only=head_only)
            )
            return Course.search_vector.bool_op("@@")(query)
        match = sa.literal_column("course_fts").op("MATCH")(text.fts5_query(self.words, head_only=head_only))
        return Course.fts_rowid.in_(sa.select(_FTS.c.rowid).where(match))

    # --- sorting and pages -----------------------------------------------------------------------
    def sort_keys(self) -> list[tuple[Any, bool]]:
        """(expression, descending) pairs; the code, unique in a university, ends every order."""
        sort = self.effective_sort
        keys: list[tuple[Any, bool]] = []
        if sort == "relevance":
            keys.append((self.tier(), False))
        elif sort == "title":
            keys.append((Course.title_sort_fr if self.lang == "fr" else Course.title_sort_en, False))
        elif sort in ("ects", "-ects"):
            keys.append((Course.ects, sort == "-ects"))
        keys.append((Course.code, False))
        return keys

    def tier(self) -> ColumnElement[int]:
        exact = sa.func.lower(Course.code) == (self.q or "").strip().lower()
        return sa.case((exact, 0), (self._text_match(head_only=True), 1), else_=2)

    def after(self, values: list[Any]) -> ColumnElement[bool]:
        """Rows strictly after the row whose sort values are ``values`` (keyset pagination)."""
        keys = self.sort_keys()
        if len(values) != len(keys):
            raise InvalidCursor()
        clauses: list[ColumnElement[bool]] = []
        for i, (expr, desc) in enumerate(keys):
            equal = [keys[j][0] == values[j] for j in range(i)]
            beyond = expr < values[i] if desc else expr > values[i]
            clauses.append(sa.and_(*equal, beyond))
        return sa.or_(*clauses)

    def order_by(self) -> list[ColumnElement[Any]]:
        return [expr.desc() if desc else expr.asc() for expr, desc in self.sort_keys()]

    # --- cursors -----------------------------------------------------------------------------
    def encode_cursor(self, row_values: list[Any]) -> str:
        data = [self.fingerprint(), [_plain(v) for v in row_values]]
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    def decode_cursor(self, cursor: str) -> list[Any]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            fingerprint, values = json.loads(raw)
        except (ValueError, TypeError) as exc:
            raise InvalidCursor() from exc
        if fingerprint != self.fingerprint() or not isinstance(values, list):
            raise InvalidCursor("This cursor belongs to another search: start again without it.")
        keys = self.sort_keys()
        if len(values) != len(keys):
            raise InvalidCursor()
        if self.sort in ("ects", "-ects"):
            try:
                values[0] = Decimal(values[0])
            except (ArithmeticError, TypeError, ValueError) as exc:
                raise InvalidCursor() from exc
        return values


def _plain(value: Any) -> Any:
    return format_ects(value) if isinstance(value, Decimal) else value
