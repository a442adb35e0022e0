"""Notification emails as the mailer rendered them (the dev outbox, and each person's own messages)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from smile_agreements.mobilities.deps import Office, Participant
from smile_agreements.notifications.models import EmailMessage
from smile_common.db import SessionDep
from smile_common.errors import problem_responses

router = APIRouter(prefix="/notifications", tags=["notifications"])


class EmailRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    recipient: str
    recipient_role: str
    language: str
    template: str
    subject: str
    body: str
    mobility_id: uuid.UUID | None
    delivery: str
    created_at: datetime


@router.get("/outbox", operation_id="listEmails", response_model=list[EmailRead], responses=problem_responses(401, 403))
async def outbox(
    session: SessionDep,
    principal: Office,
    recipient: str | None = None,
    mobility_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EmailRead]:
    """Emails of the university, newest first (in dev nothing is sent: this is where they are)."""
    query = sa.select(EmailMessage).where(EmailMessage.tenant == principal.tenant)
    if recipient:
        query = query.where(sa.func.lower(EmailMessage.recipient) == recipient.lower())
    if mobility_id:
        query = query.where(EmailMessage.mobility_id == mobility_id)
    rows = (await session.execute(query.order_by(EmailMessage.created_at.desc()).limit(limit))).scalars()
    return [EmailRead.model_validate(r) for r in rows]


@router.get("/mine", operation_id="listMyEmails", response_model=list[EmailRead], responses=problem_responses(401, 403))
async def mine(session: SessionDep, principal: Participant) -> list[EmailRead]:
    """The emails sent to the caller's own address, newest first."""
    if not principal.email:
        return []
    query = sa.select(EmailMessage).where(
        EmailMessage.tenant == principal.tenant, sa.func.lower(EmailMessage.recipient) == principal.email.lower()
    )
    rows = (await session.execute(query.order_by(EmailMessage.created_at.desc()).limit(200))).scalars()
    return [EmailRead.model_validate(r) for r in rows]
