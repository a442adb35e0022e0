"""The mailer: turns ``agreements.notification.requested.v1`` into emails.

With ``SMILE_SMTP_HOST`` set, messages go through SMTP (a failure raises: the event is retried, then
dead-lettered and replayable); without it (dev), they are only stored in ``email_message`` — the dev
outbox, readable through ``GET /notifications/outbox``. Either way the rendered message is kept.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage as MimeMessage

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.notifications.models import EmailMessage
from smile_agreements.notifications.templates import render
from smile_agreements.settings import AgreementsSettings
from smile_common.db import utcnow
from smile_common.events import Consumer, Envelope
from smile_common.events.payloads.mobility import NotificationRequested


class Mailer:
    def __init__(self, settings: AgreementsSettings) -> None:
        self.settings = settings

    def register(self, consumer: Consumer) -> None:
        consumer.add_handler(NotificationRequested, self.on_notification)

    async def on_notification(self, session: AsyncSession, envelope: Envelope, p: NotificationRequested) -> None:
        if await session.get(EmailMessage, p.notification_id) is not None:
            return
        subject, body = render(p.template, p.language, p.params)
        delivery = "stored"
        if self.settings.smtp_host:
            await asyncio.to_thread(self._send, p.recipient_email, subject, body)
            delivery = "sent"
        session.add(
            EmailMessage(
                id=p.notification_id,
                tenant=envelope.tenant,
                recipient=p.recipient_email,
                recipient_role=p.recipient_role,
                language=p.language,
                template=p.template,
                subject=subject[:400],
                body=body,
                mobility_id=p.mobility_id,
                delivery=delivery,
                created_at=utcnow(),
            )
        )

    def _send(self, recipient: str, subject: str, body: str) -> None:
        s = self.settings
        message = MimeMessage()
        message["From"], message["To"], message["Subject"] = s.mail_from, recipient, subject
        message.set_content(body)
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username and s.smtp_password:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            smtp.send_message(message)
