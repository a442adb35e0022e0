from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_common.audit import Audited
from smile_records.db import Base


class DiplomaSupplement(Audited, Base):
    """A diploma supplement as issued (its PDF is rendered from this content)."""

    __tablename__ = "diploma_supplement"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    student_id: Mapped[uuid.UUID] = mapped_column(index=True)
    content: Mapped[dict[str, Any]]
    issued_by: Mapped[str] = mapped_column(sa.String(255))
    issued_at: Mapped[datetime]

    __audit_type__ = "diploma_supplement"
