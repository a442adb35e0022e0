from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_agreements.db import Base
from smile_common.audit import Audited


class SupportNeed(Audited, Base):
    """The support a student asks for during their mobility (one per mobility). Health data: the audit
    trail records that it changed and who changed it, never what it says."""

    __tablename__ = "support_need"
    __audit_masked__ = frozenset({"categories", "description"})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    mobility_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    #: e.g. ["exam_arrangements", "accessible_housing"]
    categories: Mapped[list[str]]
    description: Mapped[str] = mapped_column(sa.Text)
    declared_by: Mapped[str] = mapped_column(sa.String(255))
    declared_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(sa.String(255))
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    def about(self, person: str | None) -> None:
        """Name the student (ESI, else e-mail) the needs are about, so that the audit entry names them."""
        self._person = person

    def audit_person(self) -> str | None:
        person: str | None = getattr(self, "_person", None)
        return person
