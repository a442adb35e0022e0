"""A service's side of data-subject requests: find, collect or erase the person's data, and answer.

Each phase runs in the consumer's transaction (inside a savepoint): the service's changes, the audit
entries, the stored answer and the answer event commit together, so a service is never half-erased.
An answer is stored per (request, phase): a re-sent phase gets the same answer without redoing it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.audit import Actor, ActorType, act_as
from smile_common.audit.recorder import entry_values, jsonable
from smile_common.dataprotection.retention import RetentionRule
from smile_common.dataprotection.tables import DataProtectionTables
from smile_common.datasubject.sources import PersonData, erase_rows, rows_of
from smile_common.db.base import utcnow
from smile_common.events.consumer import Consumer
from smile_common.events.envelope import Envelope
from smile_common.events.outbox import Outbox
from smile_common.events.payloads.privacy import DataSubjectPhaseRequested, SubjectIdentity, answer_type

__all__ = ["AUDIT_KEEP_REASON", "DataSubjectParticipant", "SourcesParticipant", "participant_consumer"]

_log = logging.getLogger("smile.datasubject")
AUDIT_KEEP_REASON = (
    "The audit trail shows who saw or changed personal data; it is kept for accountability (GDPR art. 5(2)) "
    "and erased by the retention job when its period ends"
)


class DataSubjectParticipant(Protocol):
    """What every service implements (``SourcesParticipant`` does it from :class:`PersonData` declarations).

    ``locate`` → ``{"found": {kind: n}, "identifiers": {"esis": [...], "emails": [...], "subjects": [...]}}``;
    ``collect`` → ``{"sections": [{"kind", "title", "purpose", "legal_basis", "retention", "records": [...]}]}``;
    ``erase`` → ``{"sections": [{"kind", "title", "erased", "anonymised", "kept", "reason"?}]}``.
    """

    async def locate(self, session: AsyncSession, tenant: str, identity: SubjectIdentity) -> dict[str, Any]: ...

    async def collect(self, session: AsyncSession, tenant: str, identity: SubjectIdentity) -> dict[str, Any]: ...

    async def erase(
        self, session: AsyncSession, tenant: str, identity: SubjectIdentity, *, detail: str
    ) -> dict[str, Any]: ...


class SourcesParticipant:
    """The participant built from a service's :class:`PersonData` list, plus its audit trail."""

    def __init__(
        self, sources: Sequence[PersonData], tables: DataProtectionTables, rules: Sequence[RetentionRule] = ()
    ) -> None:
        self.sources = list(sources)
        self.audit = tables.audit
        self.rules = {rule.kind: rule for rule in rules}

    def _audit_where(self, tenant: str, identity: SubjectIdentity, *, requests: bool = True) -> Any | None:
        people = [*identity.esis, *identity.emails]
        if not people:
            return None
        where = [self.audit.c.tenant == tenant, self.audit.c.person.in_(people)]
        if not requests:  # the trail of earlier requests alone does not make someone "known" here
            where.append(self.audit.c.object_type != "data_subject_request")
        return sa.and_(*where)

    async def locate(self, session: AsyncSession, tenant: str, identity: SubjectIdentity) -> dict[str, Any]:
        found: Counter[str] = Counter()
        ids: dict[str, set[str]] = {"esis": set(), "emails": set(), "subjects": set()}
        for source in self.sources:
            for row in await rows_of(session, source, identity, tenant):
                found[source.kind] += 1
                for key, column in (("esis", source.esi), ("emails", source.email), ("subjects", source.subject)):
                    if column is not None and row.get(column.name):
                        ids[key].add(str(row[column.name]).strip().lower() if key != "subjects" else row[column.name])
        where = self._audit_where(tenant, identity, requests=False)
        if where is not None:
            found["audit-trail"] += int(await session.scalar(sa.select(sa.func.count()).where(where)) or 0)
        return {"found": {k: n for k, n in found.items() if n}, "identifiers": {k: sorted(v) for k, v in ids.items()}}

    async def collect(self, session: AsyncSession, tenant: str, identity: SubjectIdentity) -> dict[str, Any]:
        sections = []
        for source in self.sources:
            rows = await rows_of(session, source, identity, tenant)
            if rows:
                sections.append({**self._about(source.kind, source.title, source.purpose), "records": [
                    source.exported(row) for row in rows
                ]})  # fmt: skip
        where = self._audit_where(tenant, identity)
        if where is not None:
            c = self.audit.c
            columns = (c.occurred_at, c.actor_type, c.actor_roles, c.action, c.object_type, c.object_id)
            entries = (await session.execute(sa.select(*columns).where(where).order_by(c.id))).mappings().all()
            if entries:
                about = self._about("audit-trail", "Who saw or changed this data, and when", "")
                sections.append({**about, "records": [{k: jsonable(v) for k, v in e.items()} for e in entries]})
        return {"sections": sections}

    async def erase(
        self, session: AsyncSession, tenant: str, identity: SubjectIdentity, *, detail: str
    ) -> dict[str, Any]:
        sections = []
        for source in self.sources:
            report = await erase_rows(session, source, identity, tenant, self.audit, detail)
            if report["erased"] or report["anonymised"] or report["kept"]:
                sections.append(report)
        where = self._audit_where(tenant, identity)
        if where is not None:
            kept = int(await session.scalar(sa.select(sa.func.count()).where(where)) or 0)
            if kept:
                sections.append({
                    "kind": "audit-trail", "title": "Audit trail", "erased": 0, "anonymised": 0, "kept": kept,
                    "reason": AUDIT_KEEP_REASON,
                })  # fmt: skip
        return {"sections": sections}

    def _about(self, kind: str, title: str, purpose: str) -> dict[str, Any]:
        rule = self.rules.get(kind)
        return {
            "kind": kind,
            "title": title,
            "purpose": purpose or (rule.purpose if rule else ""),
            "legal_basis": rule.legal_basis if rule else "",
            "retention": f"{rule.keep_days} days after {rule.starts}" if rule else "",
        }


def participant_consumer(
    name: str,
    service: str,
    database: Any,
    messaging: Any,
    tables: DataProtectionTables,
    outbox: Outbox,
    participant: DataSubjectParticipant,
) -> Consumer:
    """The consumer that runs phases of data-subject requests in ``service`` and answers them."""
    consumer = Consumer(name, database, messaging)
    answer = answer_type(service)
    task = tables.subject_task

    async def on_phase(session: AsyncSession, envelope: Envelope, payload: DataSubjectPhaseRequested) -> None:
        if service not in payload.services:
            return
        request_id = str(payload.request_id)
        stored = (
            await session.execute(
                sa.select(task.c.result).where(task.c.request_id == request_id, task.c.phase == payload.phase)
            )
        ).first()
        outcome: Literal["done", "failed"] = "done"
        result, error = (stored.result if stored else None), None
        if stored is None:
            try:
                result = await _run(session, envelope.tenant, payload, participant, tables)
            except Exception as exc:
                _log.exception("data-subject request %s: %s failed in %s", request_id, payload.phase, service)
                outcome, result, error = "failed", {}, f"{type(exc).__name__}: {exc}"[:2000]
        await outbox.record(
            session,
            answer(
                request_id=payload.request_id,
                phase=payload.phase,
                service=service,
                outcome=outcome,
                result=result or {},
                error=error,
            ),
            tenant=envelope.tenant,
            subject=request_id,
        )

    consumer.add_handler(DataSubjectPhaseRequested, on_phase)
    return consumer


async def _run(
    session: AsyncSession,
    tenant: str,
    payload: DataSubjectPhaseRequested,
    participant: DataSubjectParticipant,
    tables: DataProtectionTables,
) -> dict[str, Any]:
    detail = f"{payload.kind} request {payload.request_id}"
    async with session.begin_nested():
        act_as(session, Actor(ActorType.USER, payload.requested_by))
        if payload.phase == "locate":
            result = await participant.locate(session, tenant, payload.identity)
        elif payload.phase == "collect":
            result = await participant.collect(session, tenant, payload.identity)
        else:
            result = await participant.erase(session, tenant, payload.identity, detail=detail)
        person = next(iter([*payload.identity.esis, *payload.identity.emails]), None)
        if payload.phase == "locate" and not result.get("found"):
            person = None  # do not write down who was looked for where nothing is held about them
        await session.execute(
            sa.insert(tables.audit).values(
                **entry_values(
                    session,
                    tenant=tenant,
                    action=f"data_subject_{payload.phase}",
                    object_type="data_subject_request",
                    object_id=payload.request_id,
                    person=person,
                    detail=_summary(result),
                )
            )
        )
        await session.execute(
            sa.insert(tables.subject_task).values(
                request_id=str(payload.request_id),
                phase=payload.phase,
                tenant=tenant,
                completed_at=utcnow(),
                result=result,
            )
        )
    return result


def _summary(result: Mapping[str, Any]) -> str:
    if "found" in result:
        return "found: " + (", ".join(f"{k} {n}" for k, n in result["found"].items()) or "nothing")
    parts = []
    for section in result.get("sections", []):
        if "records" in section:
            parts.append(f"{section['kind']} {len(section['records'])}")
        else:
            parts.append(
                f"{section['kind']} erased {section['erased']}, anonymised {section['anonymised']}, "
                f"kept {section['kept']}"
            )
    return "; ".join(parts) or "nothing held"
