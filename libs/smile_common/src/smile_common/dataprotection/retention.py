"""Declared retention per kind of personal data, and the job that erases or anonymises what expired.

A service declares :class:`RetentionRule` objects: what the data is, why it is kept, on which legal
basis, for how long after which moment, and what happens then (erased, or anonymised so that the
indicators keep their facts). The daily ``retention`` job applies each rule in chunks, writes an audit
entry for every object it erased or anonymised (actor ``system:retention``), and stores a report of
what it did per university. ``SMILE_RETENTION_DAYS`` (JSON ``{"kind": days}``) overrides periods.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.audit import Actor, act_as, allow_purge
from smile_common.audit.recorder import entry_values
from smile_common.dataprotection.tables import DataProtectionTables
from smile_common.db.base import utcnow
from smile_common.db.engine import Database
from smile_common.documents.store import DocumentStore
from smile_common.documents.transaction import delete_after_commit

__all__ = ["AlsoInChunk", "RetentionAction", "RetentionContext", "RetentionRule", "builtin_rules", "run_retention"]

RETENTION_ACTOR = Actor.system("retention")
_CHUNK = 500

#: work done in the same transaction as a chunk of anonymised rows (see :meth:`RetentionContext.anonymise`).
AlsoInChunk = Callable[[AsyncSession, Sequence[Any]], Awaitable[object]]


class RetentionAction(StrEnum):
    ERASE = "erase"
    ANONYMISE = "anonymise"


@dataclass(frozen=True)
class RetentionRule:
    """One kind of personal data and how long it is kept."""

    #: stable name, e.g. ``nomination-not-followed`` (used in settings and reports).
    kind: str
    #: what the data is, for the data protection officer.
    description: str
    purpose: str
    legal_basis: str
    keep_days: int
    #: the moment the period runs from, in words ("the nomination was rejected or withdrawn").
    starts: str
    action: RetentionAction
    #: erases/anonymises what is older than the context's cutoff; returns how many objects per university.
    apply: Callable[[RetentionContext], Awaitable[Mapping[str, int]]]
    #: what remains after anonymisation (facts kept for the indicators), if anything.
    keeps: str | None = None


@dataclass
class RetentionContext:
    """What a rule needs: the cutoff and helpers that work in chunks, one transaction each, audited."""

    database: Database
    tables: DataProtectionTables
    rule: RetentionRule
    cutoff: datetime
    detail: str = field(init=False)

    def __post_init__(self) -> None:
        self.detail = f"retention: {self.rule.kind} (kept {self.rule_days} days)"

    @property
    def rule_days(self) -> int:
        return self.rule.keep_days

    async def erase(
        self,
        table: sa.Table,
        *where: Any,
        object_type: str | None = None,
        person: sa.ColumnElement[Any] | None = None,
        files: tuple[DocumentStore, sa.Column[Any]] | None = None,
        tenant: sa.ColumnElement[Any] | None = None,
    ) -> Counter[str]:
        """Delete the rows matching ``where`` (and their files), with one audit entry per row.

        ``tenant``: the column naming the university, for tables without a ``tenant`` column.
        """
        return await self._chunks(table, where, None, object_type, person, files, tenant)

    async def anonymise(
        self,
        table: sa.Table,
        *where: Any,
        values: Mapping[str, Any],
        object_type: str | None = None,
        person: sa.ColumnElement[Any] | None = None,
        files: tuple[DocumentStore, sa.Column[Any]] | None = None,
        tenant: sa.ColumnElement[Any] | None = None,
        also: AlsoInChunk | None = None,
    ) -> Counter[str]:
        """Overwrite personal columns with ``values`` (``where`` must stop matching them afterwards).

        ``also``: called in each chunk's transaction, after its update, with the chunk's rows (their primary
        key columns and ``retention_tenant``): to remove copies of the same data elsewhere atomically.
        """
        return await self._chunks(table, where, dict(values), object_type, person, files, tenant, also)

    async def scrub(self, table: sa.Table, *where: Any, column: str, keys: frozenset[str]) -> Counter[str]:
        """Remove ``keys`` from the JSON ``column`` of the rows matching ``where`` (single-column key)."""
        from smile_common.datasubject.sources import scrub_json

        [pk] = list(table.primary_key.columns)
        counts: Counter[str] = Counter()
        after: Any = None
        while True:
            async with self.database.sessionmaker() as session, session.begin():
                query = sa.select(pk, table.c.tenant, table.c[column]).where(*where).order_by(pk).limit(_CHUNK)
                rows = (await session.execute(query if after is None else query.where(pk > after))).all()
                for key, tenant, value in rows:
                    cleaned = scrub_json(value, keys)
                    if cleaned != value:
                        await session.execute(sa.update(table).where(pk == key).values({column: cleaned}))
                        counts[tenant] += 1
            if len(rows) < _CHUNK:
                return counts
            after = rows[-1][0]

    async def _chunks(
        self,
        table: sa.Table,
        where: Sequence[Any],
        values: dict[str, Any] | None,
        object_type: str | None,
        person: sa.ColumnElement[Any] | None,
        files: tuple[DocumentStore, sa.Column[Any]] | None,
        tenant: sa.ColumnElement[Any] | None = None,
        also: AlsoInChunk | None = None,
    ) -> Counter[str]:
        counts: Counter[str] = Counter()
        pk = list(table.primary_key.columns)
        if tenant is None:
            tenant = table.c.tenant if "tenant" in table.c else sa.literal("*")
        # a label of its own: the primary key may have a column named "tenant" too
        tenant_label = sa.func.coalesce(tenant, "*").label("retention_tenant")
        columns = [*pk, tenant_label, *([person.label("person")] if person is not None else [])]
        if files is not None:
            columns.append(files[1].label("file_key"))
        seen: set[tuple[Any, ...]] = set()
        while True:
            async with self.database.sessionmaker() as session, session.begin():
                act_as(session, RETENTION_ACTOR)
                rows = (await session.execute(sa.select(*columns).where(*where).limit(_CHUNK))).all()
                if not rows:
                    return counts
                keys = [tuple(row[: len(pk)]) for row in rows]
                if seen.intersection(keys):
                    raise RuntimeError(f"{self.rule.kind}: anonymised rows still match the rule's condition")
                seen.update(keys)
                condition = sa.tuple_(*pk).in_(keys) if len(pk) > 1 else pk[0].in_([k[0] for k in keys])
                if values is None:
                    await session.execute(sa.delete(table).where(condition))
                else:
                    await session.execute(sa.update(table).where(condition).values(**values))
                if also is not None:
                    await also(session, rows)
                await self._audit(session, table, rows, len(pk), object_type, erased=values is None)
                if files is not None:
                    for row in rows:
                        if row.file_key:
                            delete_after_commit(session, files[0], row.file_key)
                counts.update(row.retention_tenant for row in rows)
            if len(rows) < _CHUNK:
                return counts

    async def _audit(
        self, session: AsyncSession, table: sa.Table, rows: Sequence[Any], pk_len: int, object_type: str | None,
        *, erased: bool,
    ) -> None:  # fmt: skip
        entries = [
            entry_values(
                session,
                tenant=row.retention_tenant,
                action="erased" if erased else "anonymised",
                object_type=object_type or table.name,
                object_id="/".join(str(v) for v in row[:pk_len]),
                person=getattr(row, "person", None),
                detail=self.detail,
            )
            for row in rows
        ]
        await session.execute(sa.insert(self.tables.audit), entries)


def builtin_rules(tables: DataProtectionTables, messaging: Any, *, audit_days: int = 365) -> list[RetentionRule]:
    """The rules every service has: its audit trail, job reports, data-subject answers, event copies."""
    audit, runs, tasks = tables.audit, tables.job_run, tables.subject_task

    async def purge_audit(ctx: RetentionContext) -> Mapping[str, int]:
        counts: Counter[str] = Counter()
        async with ctx.database.sessionmaker() as session, session.begin():
            await allow_purge(session)
            expired = sa.select(audit.c.tenant, sa.func.count()).where(audit.c.occurred_at < ctx.cutoff)
            for tenant, n in (await session.execute(expired.group_by(audit.c.tenant))).all():
                counts[tenant] += n
            await session.execute(sa.delete(audit).where(audit.c.occurred_at < ctx.cutoff))
        return counts

    async def purge_runs(ctx: RetentionContext) -> Mapping[str, int]:
        async with ctx.database.sessionmaker() as session, session.begin():
            result = await session.execute(sa.delete(runs).where(runs.c.started_at < ctx.cutoff))
        return {"*": int(getattr(result, "rowcount", 0) or 0)}

    async def purge_answers(ctx: RetentionContext) -> Mapping[str, int]:
        return await ctx.erase(tasks, tasks.c.completed_at < ctx.cutoff, object_type="data_subject_task")

    async def purge_event_copies(ctx: RetentionContext) -> Mapping[str, int]:
        dead, inbox = messaging.dead_letter, messaging.inbox
        async with ctx.database.sessionmaker() as session, session.begin():
            dead_result = await session.execute(sa.delete(dead).where(dead.c.created_at < ctx.cutoff))
            await session.execute(sa.delete(inbox).where(inbox.c.processed_at < ctx.cutoff))
        return {"*": int(getattr(dead_result, "rowcount", 0) or 0)}

    return [
        RetentionRule(
            kind="audit-trail",
            description="Who created, changed, deleted, read or exported which object, when, from which request",
            purpose="Accountability (GDPR art. 5(2)) and security: show who saw or changed personal data",
            legal_basis="Legal obligation (GDPR art. 5(2), 32) and legitimate interest in securing the service",
            keep_days=audit_days,
            starts="the entry was written",
            action=RetentionAction.ERASE,
            apply=purge_audit,
        ),
        RetentionRule(
            kind="job-reports",
            description="Reports of scheduled jobs (counts of what retention erased, per university)",
            purpose="Show what the retention job did",
            legal_basis="Legal obligation (accountability, GDPR art. 5(2))",
            keep_days=audit_days,
            starts="the job ran",
            action=RetentionAction.ERASE,
            apply=purge_runs,
        ),
        RetentionRule(
            kind="data-subject-answers",
            description="This service's answer to a data-subject request (the data collected for an access request)",
            purpose="Answer access and erasure requests, and answer again if the request is re-sent",
            legal_basis="Legal obligation (GDPR art. 12, 15, 17)",
            keep_days=30,
            starts="the service answered",
            action=RetentionAction.ERASE,
            apply=purge_answers,
        ),
        RetentionRule(
            kind="event-copies",
            description="Copies of events kept for delivery: dead letters (full events) and the inbox (event ids)",
            purpose="Deliver every event exactly once and let operators replay failed ones",
            legal_basis="Legitimate interest in a reliable service (published outbox events go after "
            "SMILE_OUTBOX_RETENTION_DAYS)",
            keep_days=30,
            starts="the event was handled or given up on",
            action=RetentionAction.ERASE,
            apply=purge_event_copies,
        ),
    ]


async def run_retention(
    database: Database,
    tables: DataProtectionTables,
    rules: Sequence[RetentionRule],
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Apply every rule (each on its own; one failing does not stop the others) and report."""
    now = now or utcnow()
    report: dict[str, Any] = {"rules": [], "errors": []}
    for rule in rules:
        days = rule.keep_days
        cutoff = now - timedelta(days=days)
        entry: dict[str, Any] = {"kind": rule.kind, "action": rule.action.value, "keep_days": days}
        entry["cutoff"] = cutoff.isoformat()
        try:
            affected = await rule.apply(RetentionContext(database, tables, rule, cutoff))
            entry["affected"] = {tenant: n for tenant, n in sorted(affected.items()) if n}
        except Exception as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"[:1000]
            report["errors"].append({"kind": rule.kind, "error": entry["error"]})
        report["rules"].append(entry)
    return report
