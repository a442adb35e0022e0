"""SMILE's own changes (other services' events) turned into CNRs and updates waiting to be sent.

One consumer, ``ewp_gateway.outbound``: each handler adds rows to the outbound queue in the same
transaction as the consumer's inbox row, so an event is queued exactly once. A change of an entity
already waiting for its CNR merges with it (one notification says "this id changed").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.events import Consumer, Envelope
from smile_common.events.payloads import agreements as ag
from smile_common.events.payloads import mobility as mob
from smile_common.events.payloads import records as rec
from smile_ewp_gateway.db import OutboundCall, tables
from smile_ewp_gateway.iias.fragments import bump_generation
from smile_ewp_gateway.notifications.queue import upsert_pending

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["BATCHED_APIS", "outbound_consumer", "queue_call"]

#: CNRs that carry several ids per request (the others carry one)
BATCHED_APIS = frozenset({"imobility-cnr", "imobility-tor-cnr"})
_UPDATES = frozenset({"omobilities-update", "omobility-las-update"})


async def queue_call(
    gateway: Gateway,
    session: AsyncSession,
    *,
    local_hei_id: str,
    partner_hei_id: str,
    api: str,
    entity_id: str,
    payload: dict[str, Any] | None = None,
    source_event_id: str | None = None,
) -> None:
    """Queue a CNR or an update; ignored for universities SMILE does not cover on EWP."""
    if gateway.settings.covered(local_hei_id) is None or not partner_hei_id:
        return
    s = gateway.settings
    now = datetime.now(UTC)
    delay = timedelta(0) if api in _UPDATES else timedelta(seconds=s.ewp_cnr_batch_seconds)
    values = {
        "local_hei_id": local_hei_id,
        "partner_hei_id": partner_hei_id,
        "api": api,
        "entity_id": entity_id,
        "payload": payload or {},
        "status": "pending",
        "source_event_id": source_event_id,
        "pending_key": f"{local_hei_id}|{partner_hei_id}|{api}|{entity_id}",
        "created_at": now,
        "not_before": now + delay,
        "next_attempt_at": now + delay,
        "expires_at": now + timedelta(hours=s.ewp_cnr_expire_hours),
        "attempts": 0,
    }
    merge = ("payload", "source_event_id", "expires_at") if api in _UPDATES else ("expires_at",)
    await upsert_pending(session, OutboundCall.__table__, [values], merge=merge)  # type: ignore[arg-type]
    gateway.wake_outbound()


def _from_ewp(actor: str) -> bool:
    """A change the partner itself made (agreements names the actor ``ewp:<hei>``): nothing to push back."""
    return actor.startswith("ewp:")


def outbound_consumer(gateway: Gateway) -> Consumer:
    consumer = Consumer("ewp_gateway.outbound", gateway.runtime.database, tables)

    async def iia_changed(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
        await bump_generation(session, envelope.tenant, str(payload.iia_id))  # before partners hear of it
        shared = payload.was_shared if isinstance(payload, ag.IiaDeleted) else payload.shared
        if shared:
            await queue_call(
                gateway,
                session,
                local_hei_id=envelope.tenant,
                partner_hei_id=payload.partner_hei_id,
                api="iia-cnr",
                entity_id=str(payload.iia_id),
                source_event_id=envelope.id,
            )

    async def iia_approved(session: AsyncSession, envelope: Envelope, payload: ag.IiaApproved) -> None:
        await bump_generation(session, envelope.tenant, str(payload.iia_id))  # our copy may come into effect
        if payload.partner_iia_id:
            await queue_call(
                gateway,
                session,
                local_hei_id=envelope.tenant,
                partner_hei_id=payload.partner_hei_id,
                api="iia-approval-cnr",
                entity_id=payload.partner_iia_id,
                payload={"approved_hash": payload.approved_hash},
                source_event_id=envelope.id,
            )

    async def decided(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
        if payload.source != mob.MobilitySource.EWP or not payload.omobility_id or not payload.proposal_id:
            return
        if _from_ewp(payload.changed_by):
            return
        rejected = isinstance(payload, mob.MobilityRejected)
        await queue_call(
            gateway,
            session,
            local_hei_id=envelope.tenant,
            partner_hei_id=payload.sending_hei_id,
            api="omobilities-update",
            entity_id=payload.omobility_id,
            source_event_id=envelope.id,
            payload={
                "action": "reject" if rejected else "approve",
                "proposal_id": payload.proposal_id,
                "comment": payload.reason if rejected else None,
            },
        )

    async def moved(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
        if payload.source == mob.MobilitySource.EWP and payload.omobility_id:
            await queue_call(
                gateway,
                session,
                local_hei_id=envelope.tenant,
                partner_hei_id=payload.sending_hei_id,
                api="imobility-cnr",
                entity_id=payload.omobility_id,
                source_event_id=envelope.id,
            )

    async def la_decided(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
        if payload.source != "ewp" or not payload.omobility_id or _from_ewp(payload.changed_by):
            return
        if isinstance(payload, mob.LearningAgreementRejected):
            if payload.rejected_by_party != "receiving":
                return
            body = {
                "action": "comment",
                "comment": payload.comment,
                "signature": payload.signature.model_dump(mode="json"),
            }
        else:
            body = {"action": "approve", "signature": payload.receiving_signature.model_dump(mode="json")}
        await queue_call(
            gateway,
            session,
            local_hei_id=envelope.tenant,
            partner_hei_id=payload.sending_hei_id,
            api="omobility-las-update",
            entity_id=payload.omobility_id,
            source_event_id=envelope.id,
            payload={**body, "changes_proposal_id": payload.proposal_id},
        )

    async def transcript(session: AsyncSession, envelope: Envelope, payload: rec.TranscriptIssued) -> None:
        if payload.omobility_id:
            await queue_call(
                gateway,
                session,
                local_hei_id=envelope.tenant,
                partner_hei_id=payload.sending_hei_id,
                api="imobility-tor-cnr",
                entity_id=payload.omobility_id,
                source_event_id=envelope.id,
            )

    for kind in (ag.IiaCreated, ag.IiaUpdated, ag.IiaTerminated, ag.IiaPartnerApproved, ag.IiaDeleted):
        consumer.add_handler(kind, iia_changed)
    consumer.add_handler(ag.IiaApproved, iia_approved)
    consumer.add_handler(mob.MobilityAccepted, decided)
    consumer.add_handler(mob.MobilityRejected, decided)
    consumer.add_handler(mob.MobilityArrived, moved)
    consumer.add_handler(mob.MobilityDeparted, moved)
    consumer.add_handler(mob.LearningAgreementApproved, la_decided)
    consumer.add_handler(mob.LearningAgreementRejected, la_decided)
    consumer.add_handler(rec.TranscriptIssued, transcript)
    return consumer
