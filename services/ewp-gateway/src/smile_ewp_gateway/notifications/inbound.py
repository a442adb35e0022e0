"""Partners' changes to fetch: queued by CNRs (and resyncs), fetched by the worker, turned into events.

``queue_changes`` is all a CNR does before answering. The worker takes due rows, batches them per
partner and API within the partner's ``max-*`` limit, calls the partner, records the ``ewp.*`` events
and marks the rows done in one transaction. Unreachable partners and 5xx answers are retried with
backoff until the row expires; a refusal (4xx) or an invalid document fails the row at once. Every row
stays visible (``GET /notifications/inbound``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.events.envelope import EventPayload
from smile_common.events.payloads.ewp import InstitutionUpdated
from smile_ewp_gateway.db import InboundChange, KnownInstitution, outbox
from smile_ewp_gateway.notifications.queue import backoff, claim_due, upsert_pending
from smile_ewp_gateway.partners.client import PartnerCallError
from smile_ewp_gateway.registry.institutions import announce_institution

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["LEASE", "InboundWorker", "Recorded", "queue_changes"]

_log = logging.getLogger("smile.ewp.inbound")
#: how long a claimed row is left alone before another worker may take it (a crash mid-call)
LEASE = timedelta(minutes=5)
#: how often a partner's own description (Institutions API) is read again
INSTITUTION_REFRESH = timedelta(days=1)
#: an event to record and its subject
Recorded = tuple[EventPayload, str]


def _key(local: str, partner: str, api: str, entity: str) -> str:
    return f"{local}|{partner}|{api}|{entity}"


async def queue_changes(
    gateway: Gateway,
    *,
    local_hei_id: str,
    partner_hei_id: str,
    api: str,
    entity_ids: Sequence[str],
    source: str,
    session: AsyncSession | None = None,
) -> None:
    now = datetime.now(UTC)
    values = [
        {
            "local_hei_id": local_hei_id,
            "partner_hei_id": partner_hei_id,
            "api": api,
            "entity_id": entity_id,
            "source": source,
            "status": "pending",
            "pending_key": _key(local_hei_id, partner_hei_id, api, entity_id),
            "received_at": now,
            "attempts": 0,
            "next_attempt_at": now,
        }
        for entity_id in dict.fromkeys(entity_ids)
    ]
    table = InboundChange.__table__
    if session is not None:
        await upsert_pending(session, table, values, merge=("received_at", "next_attempt_at"))  # type: ignore[arg-type]
    else:
        async with gateway.runtime.database.sessionmaker() as own, own.begin():
            await upsert_pending(own, table, values, merge=("received_at", "next_attempt_at"))  # type: ignore[arg-type]
    gateway.wake_inbound()


class InboundWorker:
    """Fetches queued changes from partners (one batch per partner and API per round)."""

    def __init__(self, gateway: Gateway, batch: int = 200) -> None:
        self.gateway = gateway
        self.batch = batch

    async def run(self, stop: asyncio.Event) -> None:
        wake = self.gateway.inbound_wakeup
        while not stop.is_set():
            try:
                busy = await self.round()
            except Exception:
                _log.exception("inbound notification round failed")
                busy = False
            if busy:
                continue
            wake.clear()
            waiter = asyncio.create_task(wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait(
                {waiter, stopper},
                timeout=self.gateway.settings.ewp_worker_poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in (waiter, stopper):
                task.cancel()

    async def round(self) -> bool:
        """Process the changes due now; return whether there was anything to do.

        Rows are leased in a short transaction, partners are called with no transaction open, and the
        results (events and row states) are written in one transaction per partner and API.
        """
        from smile_ewp_gateway.notifications.fetch import fetch_group

        now = datetime.now(UTC)
        async with self.gateway.runtime.database.sessionmaker() as session, session.begin():
            rows = await claim_due(session, InboundChange, now, self.batch)
            for row in rows:
                row.next_attempt_at = now + LEASE
            leased = [(r.id, r.local_hei_id, r.partner_hei_id, r.api, r.entity_id) for r in rows]
        groups: dict[tuple[str, str, str], dict[int, str]] = defaultdict(dict)
        for row_id, local, partner, api, entity in leased:
            groups[(local, partner, api)][row_id] = entity
        for (local, partner, api), entities in groups.items():
            try:
                events = await fetch_group(self.gateway, local, partner, api, list(dict.fromkeys(entities.values())))
                error = None
            except PartnerCallError as exc:
                events, error = [], exc
            await self._apply(list(entities), events, error, local)
        return bool(leased)

    async def _apply(
        self, row_ids: list[int], events: list[Recorded], error: PartnerCallError | None, tenant: str
    ) -> None:
        now = datetime.now(UTC)
        async with self.gateway.runtime.database.sessionmaker() as session, session.begin():
            rows = (await session.scalars(sa.select(InboundChange).where(InboundChange.id.in_(row_ids)))).all()
            if error is not None:
                self._failed(rows, error, now)
                return
            for payload, subject in events:
                if isinstance(payload, InstitutionUpdated):  # announced only when it changed
                    facts = payload.model_dump(exclude={"observed_at"})
                    known = {k: v for k, v in [await _known(session, tenant, payload.hei_id)] if v is not None}
                    await announce_institution(session, tenant, facts, known)
                else:
                    await outbox.record(session, payload, tenant=tenant, subject=subject)
            for row in rows:
                row.status, row.pending_key, row.done_at, row.last_error = "done", None, now, None
                row.attempts += 1
            partner = rows[0].partner_hei_id if rows else None
            if partner and rows[0].api != "institutions" and await _institution_is_stale(session, tenant, partner, now):
                await queue_changes(
                    self.gateway,
                    local_hei_id=tenant,
                    partner_hei_id=partner,
                    api="institutions",
                    entity_ids=[partner],
                    source="auto",
                    session=session,
                )

    def _failed(self, rows: Sequence[InboundChange], error: PartnerCallError, now: datetime) -> None:
        settings = self.gateway.settings
        for row in rows:
            row.attempts += 1
            row.last_error = error.message[:4000]
            expired = now - row.received_at > timedelta(hours=settings.ewp_cnr_expire_hours)
            if not error.retryable or expired:
                row.status, row.pending_key, row.done_at = "failed", None, now
            else:
                row.next_attempt_at = now + backoff(
                    row.attempts, settings.ewp_retry_base_seconds, settings.ewp_retry_max_seconds
                )


async def inbound_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(sa.select(InboundChange.status, sa.func.count()).group_by(InboundChange.status))
    return {status: int(count) for status, count in rows.all()}


async def _institution_is_stale(session: AsyncSession, tenant: str, partner: str, now: datetime) -> bool:
    """Whether the partner's own Institutions API was read less than a day ago (or never)."""
    known = await session.get(KnownInstitution, (tenant, partner, "institutions-api"))
    if known is not None and now - known.updated_at < INSTITUTION_REFRESH:
        return False
    pending = await session.scalar(
        sa.select(sa.func.count()).where(
            InboundChange.local_hei_id == tenant,
            InboundChange.partner_hei_id == partner,
            InboundChange.api == "institutions",
            InboundChange.received_at > now - INSTITUTION_REFRESH,
        )
    )
    return not pending


async def _known(
    session: AsyncSession, tenant: str, hei_id: str
) -> tuple[tuple[str, str, str], KnownInstitution | None]:
    key = (tenant, hei_id, "institutions-api")
    return key, await session.get(KnownInstitution, key)
