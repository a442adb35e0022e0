"""Where a service keeps a person's data, declared once; locate, collect and erase follow from it.

A service lists its tables holding personal data as :class:`PersonData`: which columns identify the
person (ESI, e-mail, birth date, account), what to export, and what erasure does to the rows
(:class:`Erase`, :class:`Anonymise`, or :class:`Keep` with the legal reason), optionally only for rows
matching a condition (e.g. keep nominations whose mobility took place, erase the others).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.audit.recorder import entry_values, jsonable
from smile_common.documents.store import DocumentStore
from smile_common.documents.transaction import delete_after_commit
from smile_common.events.payloads.privacy import SubjectIdentity

__all__ = ["Anonymise", "Erase", "ErasureStrategy", "Keep", "PersonData", "Scrub", "linked", "scrub_json"]

#: columns never exported (bookkeeping and storage internals)
_INTERNAL = frozenset({"tenant", "version"})


@dataclass(frozen=True)
class Erase:
    """Delete the rows (and their files)."""

    where: Any = None


@dataclass(frozen=True)
class Anonymise:
    """Overwrite the personal columns with ``values``; the row's facts stay for the indicators."""

    values: Mapping[str, Any]
    where: Any = None


@dataclass(frozen=True)
class Keep:
    """Keep the rows: a legal duty requires it. ``reason`` is reported to the person."""

    reason: str
    where: Any = None


@dataclass(frozen=True)
class Scrub:
    """Remove identifying keys (at any depth) from a JSON column; the rest of the document stays."""

    column: str
    keys: frozenset[str]
    where: Any = None


ErasureStrategy = Erase | Anonymise | Keep | Scrub


def scrub_json(value: Any, keys: frozenset[str]) -> Any:
    """``value`` without the entries named in ``keys``, in every nested object."""
    if isinstance(value, dict):
        return {k: scrub_json(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [scrub_json(v, keys) for v in value]
    return value


@dataclass(frozen=True)
class PersonData:
    """One table holding personal data, and how requests about a person treat it."""

    kind: str
    title: str
    table: sa.Table
    esi: sa.Column[Any] | None = None
    email: sa.Column[Any] | None = None
    birth_date: sa.Column[Any] | None = None
    subject: sa.Column[Any] | None = None
    #: further conditions that find the person, e.g. ``linked(students, table.c.student_id)`` for a table
    #: that points to the person through another table
    match: Callable[[SubjectIdentity, str], Any] | None = None
    #: columns to export (default: every column except bookkeeping ones)
    fields: Sequence[str] | None = None
    #: columns whose values are replaced by "(withheld)" in the export (e.g. internal reviewer notes)
    withheld: Sequence[str] = ()
    #: applied in order: a row takes the first strategy whose ``where`` it matches
    on_erasure: Sequence[ErasureStrategy] = field(default_factory=lambda: (Erase(),))
    #: (store, column holding the file key) when rows point to stored documents
    files: tuple[DocumentStore, sa.Column[Any]] | None = None
    object_type: str | None = None
    purpose: str = ""

    def condition(self, identity: SubjectIdentity, tenant: str) -> Any | None:
        """Rows of ``tenant`` about the person, or ``None`` when nothing identifies them here."""
        found: list[Any] = []
        if self.esi is not None and identity.esis:
            found.append(sa.func.lower(self.esi).in_(identity.esis))
        if self.email is not None and identity.emails:
            by_email: Any = sa.func.lower(self.email).in_(identity.emails)
            if self.birth_date is not None and identity.birth_date is not None:
                by_email = sa.and_(by_email, sa.or_(self.birth_date.is_(None), self.birth_date == identity.birth_date))
            found.append(by_email)
        if self.subject is not None and identity.subjects:
            found.append(self.subject.in_(identity.subjects))
        if self.match is not None and (extra := self.match(identity, tenant)) is not None:
            found.append(extra)
        if not found:
            return None
        scoped = [sa.or_(*found)]
        if "tenant" in self.table.c:
            scoped.append(self.table.c.tenant == tenant)
        return sa.and_(*scoped)

    def exported(self, row: Mapping[str, Any]) -> dict[str, Any]:
        names = self.fields or [c.name for c in self.table.columns if c.name not in _INTERNAL]
        hidden = {self.files[1].name} if self.files is not None else set()
        out = {}
        for name in names:
            if name in hidden:
                continue
            out[name] = "(withheld)" if name in self.withheld and row.get(name) is not None else jsonable(row.get(name))
        return out

    def person_of(self, row: Mapping[str, Any]) -> str | None:
        for column in (self.esi, self.email):
            if column is not None and row.get(column.name):
                return str(row[column.name])
        return None


def linked(parent: PersonData, column: sa.Column[Any]) -> Callable[[SubjectIdentity, str], Any]:
    """A ``match`` for rows whose ``column`` holds the id of one of the person's rows in ``parent``."""
    [key] = list(parent.table.primary_key.columns)

    def condition(identity: SubjectIdentity, tenant: str) -> Any:
        found = parent.condition(identity, tenant)
        return None if found is None else column.in_(sa.select(key).where(found))

    return condition


async def rows_of(session: AsyncSession, source: PersonData, identity: SubjectIdentity, tenant: str) -> list[Any]:
    condition = source.condition(identity, tenant)
    if condition is None:
        return []
    return list((await session.execute(sa.select(source.table).where(condition))).mappings().all())


async def erase_rows(
    session: AsyncSession,
    source: PersonData,
    identity: SubjectIdentity,
    tenant: str,
    audit: sa.Table,
    detail: str,
) -> dict[str, Any]:
    """Apply the source's strategies to the person's rows; report erased/anonymised/kept with reasons."""
    report: dict[str, Any] = {"kind": source.kind, "title": source.title, "erased": 0, "anonymised": 0, "kept": 0}
    reasons: list[str] = []
    condition = source.condition(identity, tenant)
    if condition is None:
        return report
    pk = list(source.table.primary_key.columns)
    for strategy in source.on_erasure:
        where = [condition] if strategy.where is None else [condition, strategy.where]
        rows = (await session.execute(sa.select(source.table).where(*where))).mappings().all()
        if not rows:
            continue
        keys = [tuple(row[c.name] for c in pk) for row in rows]
        handled = sa.tuple_(*pk).in_(keys) if len(pk) > 1 else pk[0].in_([k[0] for k in keys])
        if isinstance(strategy, Keep):
            report["kept"] += len(rows)
            reasons.append(strategy.reason)
            condition = sa.and_(condition, sa.not_(handled))
            continue
        if isinstance(strategy, Erase):
            await session.execute(sa.delete(source.table).where(handled))
            report["erased"] += len(rows)
        elif isinstance(strategy, Scrub):
            for row in rows:
                one = sa.and_(*(c == row[c.name] for c in pk))
                cleaned = scrub_json(row[strategy.column], strategy.keys)
                await session.execute(sa.update(source.table).where(one).values({strategy.column: cleaned}))
            report["anonymised"] += len(rows)
        else:
            await session.execute(sa.update(source.table).where(handled).values(**strategy.values))
            report["anonymised"] += len(rows)
        await _audit_erasure(session, source, rows, pk, tenant, audit, detail, erased=isinstance(strategy, Erase))
        if source.files is not None:
            for row in rows:
                if row.get(source.files[1].name):
                    delete_after_commit(session, source.files[0], str(row[source.files[1].name]))
        if isinstance(strategy, Anonymise | Scrub):
            condition = sa.and_(condition, sa.not_(handled))
    if reasons:
        report["reason"] = "; ".join(dict.fromkeys(reasons))
    return report


async def _audit_erasure(
    session: AsyncSession, source: PersonData, rows: Sequence[Any], pk: list[sa.Column[Any]], tenant: str,
    audit: sa.Table, detail: str, *, erased: bool,
) -> None:  # fmt: skip
    entries = [
        entry_values(
            session,
            tenant=tenant,
            action="erased" if erased else "anonymised",
            object_type=source.object_type or source.table.name,
            object_id="/".join(str(row[c.name]) for c in pk),
            person=source.person_of(row),
            detail=detail,
        )
        for row in rows
    ]
    await session.execute(sa.insert(audit), entries)
