"""Writing the courses of an import in bulk: COPY on PostgreSQL, multi-row statements on SQLite.

Every course written gets its search columns and facet values (as the API would give it), an audit entry, and,
when the public can see the change, its ``catalogue.course.*`` event in the outbox, all in the caller's
transaction.
"""

from __future__ import annotations

import itertools
import json
import operator
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue import revision
from smile_catalogue.courses import index
from smile_catalogue.courses.models import Course, CourseStatus
from smile_catalogue.courses.service import payload
from smile_catalogue.db import is_postgres, metadata, outbox, table_of
from smile_catalogue.refs import Refs
from smile_common.audit import audit_table_for, changes_between
from smile_common.audit.recorder import entry_values
from smile_common.db import utcnow
from smile_common.events.payloads.catalogue import CoursePublished, CourseUpdated
from smile_common.security import Principal

__all__ = ["ExistingCourse", "Writer", "load_existing"]

_COURSE = table_of(Course)
_COLUMNS = [c.name for c in _COURSE.columns if c.name != "search_vector"]
#: the fields the search columns (sort keys, full-text words) are made of
_SEARCHED_FIELDS = frozenset({"code", "title", "description", "learning_outcomes"})
_BATCH = 2000


def _dumps(value: Any) -> str:
    """A JSON column as COPY sends it (PostgreSQL reads the text into jsonb)."""
    return orjson.dumps(value).decode()


_JSON_FIELDS = frozenset(name for name in index.EDITABLE_FIELDS if isinstance(_COURSE.c[name].type, sa.JSON))


class StoredValues(Mapping[str, Any]):
    """A stored course's editable fields, JSON ones decoded when first read: a re-import of a file that
    gives most fields reads few of them (decoding all of 50,000 courses' would take longer than the rest)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self._decoded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in _JSON_FIELDS:
            return self._raw[name]
        if name not in self._decoded:
            text = self._raw[name]
            self._decoded[name] = json.loads(text) if isinstance(text, str) else text
        return self._decoded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass
class ExistingCourse:
    id: uuid.UUID
    code: str
    status: str
    version: int
    content_hash: str
    facets: list[str]
    values: StoredValues


async def load_existing(session: AsyncSession, tenant: str) -> dict[str, ExistingCourse]:
    """The university's courses by lower-case code, with the fields an import may change."""
    columns: list[Any] = [_COURSE.c[name] for name in ("id", "status", "version", "content_hash", "facets")]
    for name in index.EDITABLE_FIELDS:
        column = _COURSE.c[name]
        columns.append(sa.cast(column, sa.Text).label(name) if name in _JSON_FIELDS else column)
    rows = await session.execute(sa.select(*columns).where(_COURSE.c.tenant == tenant))
    out: dict[str, ExistingCourse] = {}
    for row in rows.mappings():
        values = StoredValues({name: row[name] for name in index.EDITABLE_FIELDS})
        out[row["code"].lower()] = ExistingCourse(
            row["id"], row["code"], row["status"], row["version"], row["content_hash"], row["facets"] or [], values
        )
    return out


class Writer:
    """Collects the creations and updates of an import, then writes them at once."""

    def __init__(self, session: AsyncSession, principal: Principal, refs: Refs, options: Any) -> None:
        self.session = session
        self.principal = principal
        self.options = options
        self.ancestry = refs.ancestry()
        self.created: list[dict[str, Any]] = []
        self.updated: list[tuple[ExistingCourse, dict[str, Any], bool]] = []
        #: rows of new courses already written by :meth:`copy_while_checking`
        self.copied: list[dict[str, Any]] = []
        #: the columns every new course has alike, for a (status, time)
        self._fixed: tuple[Any, dict[str, Any]] = (None, {})

    def create(self, values: dict[str, Any], digest: str) -> uuid.UUID:
        """A new course from its checked ``values`` (taken over: the writer completes them into its row)."""
        course_id = values["id"] = uuid.uuid4()
        values["content_hash"] = digest
        self.created.append(values)
        return course_id

    def update(self, stored: ExistingCourse, values: dict[str, Any], digest: str, *, publish: bool) -> None:
        self.updated.append((stored, {**values, "content_hash": digest}, publish))

    async def copy_while_checking(self, created: AsyncIterator[dict[str, Any]]) -> None:
        """PostgreSQL: COPY the new courses as the file's check finds them (``created`` runs the check and
        yields each new course's values), so that the server indexes courses while the rest of the file is
        being checked. The caller rolls back if the check rejects rows."""
        status, now = self._status(), utcnow()

        async def rows() -> AsyncIterator[dict[str, Any]]:
            async for values in created:
                row = self._new_row(values, status, now)
                self.copied.append(row)
                yield row

        await self._copy(_COURSE, _COLUMNS, rows())

    def _status(self) -> str:
        return CourseStatus.PUBLISHED.value if self.options.publish else CourseStatus.DRAFT.value

    async def write(self, progress: Callable[[str, int, int], Awaitable[None]]) -> None:
        total = len(self.created) + len(self.updated)
        if not total:
            return
        now = utcnow()
        tenant, who = self.principal.tenant, self.principal.subject
        # PostgreSQL reads the rows of a COPY while they are being made here: the search columns, facets
        # and audit entries of the next rows are computed while the server indexes the previous ones
        rows: list[dict[str, Any]] = self.copied
        await self._insert_courses(self._new_rows(self.created[len(rows) :], self._status(), now, rows))
        await progress("writing", len(rows), total)
        updates = [self._changed_row(stored, values, publish, now) for stored, values, publish in self.updated]
        await self._update_courses(updates)
        await self._audit(rows, who)
        await self._events(rows, updates)
        await revision.bump(self.session, tenant)
        await progress("writing", total, total)

    def _new_rows(
        self, created: list[dict[str, Any]], status: str, now: Any, rows: list[dict[str, Any]]
    ) -> Iterator[dict[str, Any]]:
        """The new courses' rows, made as they are written, and kept in ``rows``."""
        for values in created:
            row = self._new_row(values, status, now)
            rows.append(row)
            yield row

    # --- rows --------------------------------------------------------------------------------------------
    def _new_row(self, values: dict[str, Any], status: str, now: Any) -> dict[str, Any]:
        """The row of a new course: its values (from :meth:`create`, completed in place) and the columns
        every course of the import has alike."""
        key = (status, now)
        if self._fixed[0] != key:
            who = self.principal.subject
            self._fixed = (
                key,
                {
                    "tenant": self.principal.tenant,
                    "status": status,
                    "status_changed_by": who,
                    "status_changed_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "updated_by": who,
                    "version": 1,
                    "source": self.options.source,
                },
            )
        values.update(index.derived_columns(values, digest=values["content_hash"]))
        values.update(self._fixed[1])
        values["fts_rowid"] = index.fts_rowid(values["id"])
        values["facets"] = index.facet_list(values, self.ancestry)
        return values

    def _changed_row(self, stored: ExistingCourse, values: dict[str, Any], publish: bool, now: Any) -> dict[str, Any]:
        who = self.principal.subject
        # only the fields that changed are sent (a new capacity does not rewrite twelve JSON documents)
        changed = {name: values[name] for name in index.EDITABLE_FIELDS if stored.values[name] != values[name]}
        derived = (
            index.derived_columns(values, digest=values["content_hash"])
            if changed.keys() & _SEARCHED_FIELDS
            else {"content_hash": values["content_hash"]}
        )
        facets = index.facet_list(values, self.ancestry)
        if facets != stored.facets:  # a new capacity or description changes none
            derived["facets"] = facets
        row = {
            **changed,
            **derived,
            "b_id": stored.id,
            "updated_at": now,
            "updated_by": who,
            "version": stored.version + 1,
            "source": self.options.source,
            "status": CourseStatus.PUBLISHED.value if publish else stored.status,
        }
        if publish:
            row["status_changed_by"], row["status_changed_at"] = who, now
        return row

    # --- statements --------------------------------------------------------------------------------------
    async def _raw(self) -> Any:
        connection = await self.session.connection()
        return (await connection.get_raw_connection()).driver_connection

    async def _copy(
        self, table: sa.Table, columns: Sequence[str], rows: Iterable[dict[str, Any]] | AsyncIterable[dict[str, Any]]
    ) -> None:
        dialect = self.session.get_bind().dialect
        json_columns = {c.name for c in table.columns if isinstance(c.type.dialect_impl(dialect), sa.JSON)}
        getter = operator.itemgetter(*columns)
        json_at = [i for i, c in enumerate(columns) if c in json_columns]
        with_json = bool(json_at)

        def record(row: dict[str, Any]) -> tuple[Any, ...]:
            values = list(getter(row))
            for i in json_at:
                values[i] = _dumps(values[i])
            return tuple(values)

        records: Iterable[tuple[Any, ...]] | AsyncIterable[tuple[Any, ...]]
        if isinstance(rows, AsyncIterable):

            async def from_async() -> AsyncIterator[tuple[Any, ...]]:
                async for row in rows:
                    yield record(row) if with_json else getter(row)

            records = from_async()
        else:
            records = map(record if with_json else getter, rows)
        raw = await self._raw()
        await raw.copy_records_to_table(table.name, schema_name=table.schema, columns=list(columns), records=records)

    async def _insert(self, table: sa.Table, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
        if is_postgres(self.session):
            await self._copy(table, columns, rows)
            return
        for chunk in _chunks(rows, _BATCH):
            await self.session.execute(sa.insert(table), [{c: row[c] for c in columns} for row in chunk])

    async def _insert_courses(self, rows: Iterable[dict[str, Any]]) -> None:
        await self._insert(_COURSE, _COLUMNS, rows)

    async def _update_courses(self, rows: list[dict[str, Any]]) -> None:
        """One ``UPDATE`` per set of changed columns, each run for all its courses at once."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(name for name in row if name != "b_id"), []).append(row)
        for keys, group in groups.items():
            statement = (
                sa.update(_COURSE)
                .where(_COURSE.c.id == sa.bindparam("b_id"))
                .values({name: sa.bindparam(name) for name in keys})
            )
            for start in range(0, len(group), _BATCH):
                await self.session.execute(statement, group[start : start + _BATCH])

    async def _audit(self, created: list[dict[str, Any]], who: str) -> None:
        table = audit_table_for(metadata)
        if table is None or not (created or self.updated):
            return
        if created and is_postgres(self.session):
            # the entries of new courses differ only by the course: PostgreSQL makes them from the ids
            await self._audit_created(table, [row["id"] for row in created])
            created = []
        entries = self._audit_entries(created)
        first = next(entries, None)
        if first is not None:
            await self._insert(table, list(first), itertools.chain([first], entries))

    async def _audit_created(self, table: sa.Table, ids: list[uuid.UUID]) -> None:
        """One audit entry per new course, in the order of the file: ``INSERT … SELECT`` over the ids."""
        entry = self._created_entry("")
        given = (
            sa.func.unnest(sa.bindparam("ids", ids, type_=postgresql.ARRAY(sa.Uuid())))
            .table_valued("course_id", with_ordinality="n")
            .render_derived()
        )
        columns = [name for name in entry if name != "object_id"]
        values = [sa.literal(entry[name], type_=table.c[name].type) for name in columns]
        select = sa.select(*values, sa.cast(given.c.course_id, sa.Text)).order_by(given.c.n)
        await self.session.execute(sa.insert(table).from_select([*columns, "object_id"], select))

    def _created_entry(self, course_id: Any) -> dict[str, Any]:
        return entry_values(
            self.session,
            tenant=self.principal.tenant,
            action="created",
            object_type="course",
            object_id=course_id,
            detail=self.options.label,
        )

    def _audit_entries(self, created: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        tenant, label, session = self.principal.tenant, self.options.label, self.session
        for row in created:
            yield self._created_entry(row["id"])
        for stored, values, publish in self.updated:
            # only fields whose values differ can differ in the trail (a re-import changes few)
            names = [name for name in index.EDITABLE_FIELDS if stored.values[name] != values[name]]
            changes = changes_between(_audited(stored.values, names), _audited(values, names))
            if publish:
                changes["status"] = {"before": stored.status, "after": CourseStatus.PUBLISHED.value}
            yield entry_values(
                session,
                tenant=tenant,
                action="updated",
                object_type="course",
                object_id=stored.id,
                changes=changes,
                detail=label,
            )

    async def _events(self, created: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
        # the events are made while the outbox copies the previous ones (PostgreSQL)
        await outbox.record_many(self.session, self._event_payloads(created, updates), tenant=self.principal.tenant)

    def _event_payloads(
        self, created: list[dict[str, Any]], updates: list[dict[str, Any]]
    ) -> Iterator[tuple[Any, str | None]]:
        who = self.principal.subject
        for row in created:
            if row["status"] == CourseStatus.PUBLISHED.value:
                yield payload(CoursePublished, _course(row), who), str(row["id"])
        for (stored, values, publish), row in zip(self.updated, updates, strict=True):
            if publish:
                kind: Any = CoursePublished
            elif stored.status == CourseStatus.PUBLISHED.value:
                kind = CourseUpdated
            else:
                continue
            course = _course({**values, "id": stored.id, "updated_at": row["updated_at"], "version": row["version"]})
            yield payload(kind, course, who), str(stored.id)


def _audited(values: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """Fields as the audit trail compares them (credits as shown: 6, not 6.00)."""
    out = {name: values[name] for name in names}
    if out.get("ects") is not None:
        out["ects"] = index.format_ects(out["ects"])
    return out


_EVENT_FIELDS = ("id", "code", "title", "ects", "organisational_unit_code", "isced_code", "eqf_level",
                 "term_codes", "updated_at", "languages", "open_to_exchange", "programme_codes", "version")  # fmt: skip


def _course(row: dict[str, Any]) -> Course:
    """What an event says about a course, read like a course (no ORM object: 50,000 of them would cost more
    than the rest of their events)."""
    return cast(Course, SimpleNamespace(**{name: row[name] for name in _EVENT_FIELDS}))


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
