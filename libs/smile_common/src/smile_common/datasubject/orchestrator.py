"""The orchestrator of data-subject requests: one request to the suite, fanned out to every service.

A request goes through phases: ``locate`` (every service says what it holds about the person and the
identifiers it knows them by), then ``collect`` (access) or ``erase`` (erasure) with every identifier
found. Each phase is a :class:`DataSubjectPhaseRequested` event; each service answers with its own
event. A phase ends when every service has answered it; services that have not are asked again, with
a growing delay, until they do (a service that is down answers when it is back). Nothing is lost:
requests, answers and the events asking for them are written in the same transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.audit import Actor, record
from smile_common.dataprotection.tables import DataProtectionTables, RequestTables
from smile_common.db.base import utcnow
from smile_common.db.engine import Database
from smile_common.errors import NotFound
from smile_common.events.consumer import Consumer
from smile_common.events.envelope import Envelope
from smile_common.events.outbox import Outbox
from smile_common.events.payloads.privacy import (
    DataSubjectPhaseAnswered,
    DataSubjectPhaseRequested,
    SubjectIdentity,
    answer_type,
)

__all__ = ["Orchestrator"]

_log = logging.getLogger("smile.datasubject")
_SYSTEM = Actor.system("data-subject-requests")


class Orchestrator:
    def __init__(
        self,
        database: Database,
        tables: RequestTables,
        protection: DataProtectionTables,
        outbox: Outbox,
        *,
        services: Sequence[str],
        resend_after: timedelta,
        due_days: int = 30,
    ) -> None:
        self.database = database
        self.tables = tables
        self.audit = protection.audit
        self.outbox = outbox
        self.services = list(services)
        self.resend_after = resend_after
        self.due_days = due_days

    # --- filing and reading -----------------------------------------------------------------
    async def file(
        self, session: AsyncSession, *, tenant: str, kind: str, subject: SubjectIdentity, requested_by: str,
        note: str | None,
    ) -> uuid.UUID:  # fmt: skip
        """Record the request and ask every service to locate the person."""
        now = utcnow()
        request_id = uuid.uuid4()
        values = {
            "id": request_id, "tenant": tenant, "kind": kind, "status": "in_progress", "outcome": None,
            "phase": "locate", "subject": subject.model_dump(mode="json"), "identity": subject.model_dump(mode="json"),
            "participants": self.services, "requested_by": requested_by, "note": note, "filed_at": now,
            "due_on": (now + timedelta(days=self.due_days)).date(), "phase_started_at": now, "last_sent_at": now,
            "send_count": 1,
        }  # fmt: skip
        await session.execute(sa.insert(self.tables.request).values(**values))
        await self._audit(session, tenant, request_id, "filed", subject, f"{kind} request", actor=None)
        await self._ask(session, values, self.services)
        return request_id

    async def load(self, session: AsyncSession, tenant: str, request_id: uuid.UUID, *, lock: bool = False) -> Any:
        query = sa.select(self.tables.request).where(
            self.tables.request.c.id == request_id, self.tables.request.c.tenant == tenant
        )
        row = (await session.execute(query.with_for_update() if lock else query)).mappings().first()
        if row is None:
            raise NotFound(f"No data-subject request {request_id}.")
        return row

    async def replies(self, session: AsyncSession, request_id: uuid.UUID) -> list[Any]:
        reply = self.tables.reply
        query = sa.select(reply).where(reply.c.request_id == request_id).order_by(reply.c.received_at)
        return list((await session.execute(query)).mappings().all())

    # --- answers ------------------------------------------------------------------------------
    def consumer(self, name: str, database: Database, messaging: Any) -> Consumer:
        consumer = Consumer(name, database, messaging)
        for service in self.services:
            consumer.add_handler(answer_type(service), self.on_answer)
        return consumer

    async def on_answer(self, session: AsyncSession, envelope: Envelope, answer: DataSubjectPhaseAnswered) -> None:
        query = sa.select(self.tables.request).where(self.tables.request.c.id == answer.request_id)
        row = (await session.execute(query.with_for_update())).mappings().first()
        if row is None or row["status"] != "in_progress" or row["phase"] != answer.phase:
            return  # unknown, finished, or an answer to a phase already over (a duplicate)
        if answer.service not in row["participants"]:
            return
        reply = self.tables.reply
        key = (
            reply.c.request_id == answer.request_id,
            reply.c.phase == answer.phase,
            reply.c.service == answer.service,
        )
        existing = (await session.execute(sa.select(reply.c.outcome).where(*key))).first()
        if existing is not None and existing.outcome == "done":
            return
        values = {
            "outcome": answer.outcome,
            "result": answer.result or {"error": answer.error},
            "received_at": utcnow(),
        }
        if existing is None:
            ids = {"request_id": answer.request_id, "phase": answer.phase, "service": answer.service}
            await session.execute(sa.insert(reply).values(**ids, **values))
        else:
            await session.execute(sa.update(reply).where(*key).values(**values))
        if answer.outcome == "done" and await self._phase_complete(session, row):
            await self._advance(session, row)

    async def _phase_complete(self, session: AsyncSession, row: Any) -> bool:
        reply = self.tables.reply
        done = await session.scalars(
            sa.select(reply.c.service).where(
                reply.c.request_id == row["id"], reply.c.phase == row["phase"], reply.c.outcome == "done"
            )
        )
        return set(row["participants"]) <= set(done)

    async def _advance(self, session: AsyncSession, row: Any) -> None:
        now = utcnow()
        request = self.tables.request
        if row["phase"] != "locate":
            await session.execute(
                sa.update(request)
                .where(request.c.id == row["id"])
                .values(status="completed", outcome="completed", phase="done", completed_at=now)
            )
            await self._audit(session, row["tenant"], row["id"], "completed", None, f"{row['kind']} completed")
            return
        answers = [r for r in await self.replies(session, row["id"]) if r["phase"] == "locate"]
        if not any((r["result"] or {}).get("found") for r in answers):
            await session.execute(
                sa.update(request)
                .where(request.c.id == row["id"])
                .values(status="completed", outcome="subject_not_found", phase="done", completed_at=now)
            )
            await self._audit(session, row["tenant"], row["id"], "completed", None, "no service holds data")
            return
        identity = merge_identity(SubjectIdentity.model_validate(row["subject"]), [r["result"] for r in answers])
        phase = "collect" if row["kind"] == "access" else "erase"
        values = {"phase": phase, "identity": identity.model_dump(mode="json"), "phase_started_at": now,
                  "last_sent_at": now, "send_count": 1}  # fmt: skip
        await session.execute(sa.update(request).where(request.c.id == row["id"]).values(**values))
        await self._audit(session, row["tenant"], row["id"], f"phase_{phase}", None, "person located")
        await self._ask(session, {**row, **values}, row["participants"])

    # --- asking again -------------------------------------------------------------------------
    async def pending_services(self, session: AsyncSession, row: Any) -> list[str]:
        reply = self.tables.reply
        done = set(
            await session.scalars(
                sa.select(reply.c.service).where(
                    reply.c.request_id == row["id"], reply.c.phase == row["phase"], reply.c.outcome == "done"
                )
            )
        )
        return [s for s in row["participants"] if s not in done]

    async def resend(self, session: AsyncSession, row: Any) -> list[str]:
        """Ask the services that have not answered the current phase again; return them."""
        pending = await self.pending_services(session, row)
        if row["status"] != "in_progress" or not pending:
            return []
        request = self.tables.request
        values = {"last_sent_at": utcnow(), "send_count": row["send_count"] + 1}
        await session.execute(sa.update(request).where(request.c.id == row["id"]).values(**values))
        await self._ask(session, row, pending)
        return pending

    def next_send(self, row: Any) -> datetime:
        factor: int = 2 ** min(max(int(row["send_count"]) - 1, 0), 6)
        last: datetime = row["last_sent_at"]
        return last + self.resend_after * int(factor)

    async def resend_due(self) -> int:
        """Re-ask, for every request in progress whose services are late, those that have not answered."""
        request = self.tables.request
        count = 0
        async with self.database.sessionmaker() as session:
            ids = list(await session.scalars(sa.select(request.c.id).where(request.c.status == "in_progress")))
        for request_id in ids:
            async with self.database.sessionmaker() as session, session.begin():
                query = sa.select(request).where(request.c.id == request_id).with_for_update()
                row = (await session.execute(query)).mappings().first()
                if row is not None and row["status"] == "in_progress" and self.next_send(row) <= utcnow():
                    count += bool(await self.resend(session, row))
        return count

    async def loop(self, stop: asyncio.Event, *, poll_seconds: float) -> None:
        while not stop.is_set():
            try:
                await self.resend_due()
            except Exception:
                _log.exception("data-subject requests could not be re-sent")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)

    async def record_export(self, session: AsyncSession, row: Any, format: str) -> None:
        subject = SubjectIdentity.model_validate(row["subject"])
        await self._audit(session, row["tenant"], row["id"], "exported", subject, f"answer as {format}", actor=None)

    # --- helpers --------------------------------------------------------------------------------
    async def _ask(self, session: AsyncSession, row: Any, services: Sequence[str]) -> None:
        payload = DataSubjectPhaseRequested(
            request_id=row["id"], kind=row["kind"], phase=row["phase"],
            identity=SubjectIdentity.model_validate(row["identity"]), requested_by=row["requested_by"],
            services=list(services),
        )  # fmt: skip
        await self.outbox.record(session, payload, tenant=row["tenant"], subject=str(row["id"]))

    async def _audit(
        self, session: AsyncSession, tenant: str, request_id: uuid.UUID, action: str, subject: SubjectIdentity | None,
        detail: str, *, actor: Actor | None = _SYSTEM,
    ) -> None:  # fmt: skip
        person = next(iter([*subject.esis, *subject.emails]), None) if subject else None
        await record(
            session, self.audit, tenant=tenant, action=action, object_type="data_subject_request",
            object_id=request_id, person=person, detail=detail, actor=actor,
        )  # fmt: skip


def merge_identity(given: SubjectIdentity, results: Sequence[dict[str, Any] | None]) -> SubjectIdentity:
    """The given identifiers plus every identifier the services found for the person."""
    esis, emails, subjects = set(given.esis), set(given.emails), set(given.subjects)
    for result in results:
        found = (result or {}).get("identifiers", {})
        esis.update(str(v).lower() for v in found.get("esis", []))
        emails.update(str(v).lower() for v in found.get("emails", []))
        subjects.update(str(v) for v in found.get("subjects", []))
    return SubjectIdentity(
        esis=sorted(esis), emails=sorted(emails), birth_date=given.birth_date, subjects=sorted(subjects)
    )
