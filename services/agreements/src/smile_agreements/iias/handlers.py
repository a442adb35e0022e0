"""What the agreements service consumes from the EWP gateway about IIAs and institutions."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.approvals import receive_partner_approval
from smile_agreements.iias.partner_copies import partner_copy_gone, receive_partner_copy
from smile_agreements.partners.service import apply_registry
from smile_common.audit import Actor, act_as
from smile_common.db.engine import Database
from smile_common.events import Consumer, Envelope
from smile_common.events.payloads.ewp import IiaApprovalReceived, IiaDeleted, IiaReceived, InstitutionUpdated
from smile_common.events.tables import MessagingTables

__all__ = ["iia_consumer"]

_log = logging.getLogger("smile.agreements.iias")


async def on_iia_received(session: AsyncSession, envelope: Envelope, payload: IiaReceived) -> None:
    await receive_partner_copy(session, envelope.tenant, payload)


async def on_iia_deleted(session: AsyncSession, envelope: Envelope, payload: IiaDeleted) -> None:
    await partner_copy_gone(session, envelope.tenant, payload)


async def on_approval_received(session: AsyncSession, envelope: Envelope, payload: IiaApprovalReceived) -> None:
    if not await receive_partner_approval(session, envelope.tenant, payload):
        _log.warning(
            "approval from %s for unknown IIA %s of %s ignored",
            payload.partner_hei_id,
            payload.local_iia_id,
            envelope.tenant,
        )


async def on_institution_updated(session: AsyncSession, envelope: Envelope, payload: InstitutionUpdated) -> None:
    act_as(session, Actor.system("ewp-registry") if payload.source == "registry" else Actor.partner(payload.hei_id))
    await apply_registry(session, envelope.tenant, payload)


def iia_consumer(database: Database, tables: MessagingTables) -> Consumer:
    consumer = Consumer("agreements.iias", database, tables)
    consumer.add_handler(IiaReceived, on_iia_received)
    consumer.add_handler(IiaDeleted, on_iia_deleted)
    consumer.add_handler(IiaApprovalReceived, on_approval_received)
    consumer.add_handler(InstitutionUpdated, on_institution_updated)
    return consumer
