"""Ask for a notification: an ``agreements.notification.requested.v1`` event in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.db import outbox
from smile_common.events.payloads.mobility import NotificationRequested


async def notify(
    session: AsyncSession,
    *,
    tenant: str,
    recipient_email: str | None,
    recipient_role: str,
    template: str,
    params: dict[str, str],
    language: str = "en",
    mobility_id: uuid.UUID | None = None,
    file_id: uuid.UUID | None = None,
) -> None:
    if not recipient_email:
        return
    payload = NotificationRequested(
        notification_id=uuid.uuid4(),
        recipient_email=recipient_email,
        recipient_role=recipient_role,
        language="fr" if language == "fr" else "en",
        template=template,
        params=params,
        mobility_id=mobility_id,
        file_id=file_id,
    )
    await outbox.record(session, payload, tenant=tenant, subject=str(mobility_id) if mobility_id else None)
