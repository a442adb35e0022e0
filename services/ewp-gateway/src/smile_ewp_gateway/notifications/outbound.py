"""Delivering SMILE's CNRs and updates to partners from the persistent outbound queue.

Rows are leased, sent with no transaction open, then settled: delivered (``sent``), refused by the
partner (4xx: ``failed``, never retried), or retried with exponential backoff on 5xx and network
errors until ``expires_at`` (then ``expired``). Updates report their outcome to the services as
``ewp.partner_update.succeeded.v1`` / ``failed.v1``; a 409 (stale proposal) also queues a fetch of the
partner's current version. Everything stays visible (``GET /notifications/outbound``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.events.envelope import EventPayload
from smile_common.events.payloads.ewp import PartnerUpdateFailed, PartnerUpdateSucceeded
from smile_ewp_gateway.db import OutboundCall, outbox
from smile_ewp_gateway.notifications.inbound import LEASE, Recorded, queue_changes
from smile_ewp_gateway.notifications.queue import backoff, claim_due
from smile_ewp_gateway.notifications.sending import send
from smile_ewp_gateway.partners.client import PartnerCallError

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["OutboundWorker", "Sent"]

_log = logging.getLogger("smile.ewp.outbound")
_KINDS = {
    ("omobilities-update", "approve"): "nomination-approve",
    ("omobilities-update", "reject"): "nomination-reject",
    ("omobility-las-update", "approve"): "la-approve",
    ("omobility-las-update", "comment"): "la-comment",
}
_REFETCH = {"omobilities-update": "omobilities", "omobility-las-update": "omobility-las"}


@dataclass
class Sent:
    """What happened to the rows of one request."""

    row_ids: list[int]
    error: PartnerCallError | None = None
    message: str | None = None
    events: list[Recorded] = field(default_factory=list)


class OutboundWorker:
    def __init__(self, gateway: Gateway, batch: int = 200) -> None:
        self.gateway = gateway
        self.batch = batch

    async def run(self, stop: asyncio.Event) -> None:
        wake = self.gateway.outbound_wakeup
        while not stop.is_set():
            try:
                busy = await self.round()
            except Exception:
                _log.exception("outbound notification round failed")
                busy = False
            if busy:
                continue
            wake.clear()
            waiter, stopper = asyncio.create_task(wake.wait()), asyncio.create_task(stop.wait())
            timeout = min(
                self.gateway.settings.ewp_worker_poll_seconds, max(0.05, self.gateway.settings.ewp_cnr_batch_seconds)
            )
            await asyncio.wait({waiter, stopper}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for task in (waiter, stopper):
                task.cancel()

    async def round(self) -> bool:
        now = datetime.now(UTC)
        async with self.gateway.runtime.database.sessionmaker() as session, session.begin():
            rows = [*await claim_due(session, OutboundCall, now, self.batch)]
            rows += await self._same_batch(session, rows, now)
            for row in rows:
                row.next_attempt_at = now + LEASE
            leased = [
                (r.id, r.local_hei_id, r.partner_hei_id, r.api, r.entity_id, dict(r.payload), r.source_event_id)
                for r in rows
            ]
        groups: dict[tuple[str, str, str], list[tuple[int, str, dict[str, object], str | None]]] = defaultdict(list)
        for row_id, local, partner, api, entity, payload, source in leased:
            groups[(local, partner, api)].append((row_id, entity, payload, source))
        for (local, partner, api), items in groups.items():
            for outcome in await send(self.gateway, local, partner, api, items):
                await self._settle(outcome, local, partner, api)
        return bool(leased)

    async def _same_batch(self, session: AsyncSession, due: list[OutboundCall], now: datetime) -> list[OutboundCall]:
        """First attempts to the same partner and API still inside their batching window: they leave with the
        due ones (each notification waits up to ``ewp_cnr_batch_seconds``, so that changes close in time
        make one call)."""
        window = self.gateway.settings.ewp_cnr_batch_seconds
        groups = {(r.local_hei_id, r.partner_hei_id, r.api) for r in due}
        if not groups or window <= 0 or len(due) >= self.batch:
            return []
        query = (
            sa.select(OutboundCall)
            .where(
                OutboundCall.status == "pending",
                OutboundCall.attempts == 0,
                OutboundCall.next_attempt_at <= now + timedelta(seconds=window),
                OutboundCall.id.not_in([r.id for r in due]),
                sa.or_(
                    *(
                        sa.and_(
                            OutboundCall.local_hei_id == local,
                            OutboundCall.partner_hei_id == partner,
                            OutboundCall.api == api,
                        )
                        for local, partner, api in groups
                    )
                ),
            )
            .order_by(OutboundCall.next_attempt_at, OutboundCall.id)
            .limit(self.batch - len(due))
        )
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list((await session.scalars(query)).all())

    async def _settle(self, outcome: Sent, local: str, partner: str, api: str) -> None:
        now = datetime.now(UTC)
        s = self.gateway.settings
        refetch: list[str] = []
        async with self.gateway.runtime.database.sessionmaker() as session, session.begin():
            rows = (await session.scalars(sa.select(OutboundCall).where(OutboundCall.id.in_(outcome.row_ids)))).all()
            for row in rows:
                row.attempts += 1
                error = outcome.error
                row.last_status = error.status if error is not None else 200
                if error is None:
                    row.status, row.pending_key, row.finished_at, row.last_error = "sent", None, now, None
                    await self._report(session, row, None, outcome.message, local)
                elif error.retryable and now < row.expires_at:
                    row.last_error = error.message[:4000]
                    row.next_attempt_at = now + backoff(row.attempts, s.ewp_retry_base_seconds, s.ewp_retry_max_seconds)
                else:
                    row.status = "failed" if not error.retryable else "expired"
                    row.pending_key, row.finished_at, row.last_error = None, now, error.message[:4000]
                    await self._report(session, row, error, None, local)
                    if error.status == 409 and api in _REFETCH:
                        refetch.append(row.entity_id)
            for payload, subject in outcome.events:
                await outbox.record(session, payload, tenant=local, subject=subject)
        if refetch:
            await queue_changes(
                self.gateway,
                local_hei_id=local,
                partner_hei_id=partner,
                api=_REFETCH[api],
                entity_ids=refetch,
                source="conflict",
            )

    async def _report(
        self, session: AsyncSession, row: OutboundCall, error: PartnerCallError | None, message: str | None, tenant: str
    ) -> None:
        kind = _KINDS.get((row.api, str(row.payload.get("action"))))
        if kind is None:
            return
        common: dict[str, Any] = {
            "kind": kind,
            "omobility_id": row.entity_id,
            "sending_hei_id": row.partner_hei_id,
            "proposal_id": str(row.payload.get("proposal_id") or row.payload.get("changes_proposal_id") or ""),
            "request_event_id": row.source_event_id,
            "at": datetime.now(UTC),
        }
        payload: EventPayload = (
            PartnerUpdateSucceeded(**common, message=message)
            if error is None
            else PartnerUpdateFailed(**common, http_status=error.status, reason=error.message[:2000])
        )
        await outbox.record(session, payload, tenant=tenant, subject=f"{row.partner_hei_id}/{row.entity_id}")
