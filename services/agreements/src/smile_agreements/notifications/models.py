from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_agreements.db import Base


class EmailMessage(Base):
    """Every email the mailer rendered: sent through SMTP, or only stored (the dev outbox)."""

    __tablename__ = "email_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(320), index=True)
    recipient_role: Mapped[str] = mapped_column(sa.String(32))
    language: Mapped[str] = mapped_column(sa.String(2))
    template: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.String(400))
    body: Mapped[str] = mapped_column(sa.Text)
    mobility_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    #: ``stored`` (dev outbox, nothing sent) or ``sent``
    delivery: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime]
