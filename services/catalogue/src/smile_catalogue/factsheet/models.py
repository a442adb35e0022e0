from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_catalogue.db import Base
from smile_common.audit import Audited


class Factsheet(Audited, Base):
    """One factsheet per university; its content is validated by ``FactsheetContent``."""

    __tablename__ = "factsheet"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    content: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)
