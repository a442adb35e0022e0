from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_agreements.db import Base
from smile_common.audit import Audited
from smile_common.db import JSONType

#: fields the EWP registry (or the partner's Institutions API) refreshes, unless edited by hand here.
REGISTRY_FIELDS = (
    "names",
    "abbreviation",
    "other_ids",
    "erasmus_code",
    "pic",
    "country",
    "city",
    "website_url",
    "contacts",
)


class PartnerInstitution(Audited, Base):
    """An institution known to one university: from the EWP registry, a file, by hand, or an IIA.

    ``is_partner`` marks those the university works with (listed by default); the others are the
    directory of the EWP network that partners are picked from.
    """

    __tablename__ = "partner_institution"
    __audit_ignore__ = frozenset({"updated_at", "version", "created_at", "search_text", "updated_by"})
    __table_args__ = (sa.UniqueConstraint("tenant", "hei_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    hei_id: Mapped[str] = mapped_column(sa.String(255))
    is_partner: Mapped[bool] = mapped_column(default=False)
    names: Mapped[dict[str, str]]
    #: lower-cased names and ids, for searching
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    abbreviation: Mapped[str | None] = mapped_column(sa.String(64))
    other_ids: Mapped[list[dict[str, Any]]]
    erasmus_code: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    pic: Mapped[str | None] = mapped_column(sa.String(32))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    city: Mapped[str | None] = mapped_column(sa.String(255))
    website_url: Mapped[str | None] = mapped_column(sa.String(1000))
    contacts: Mapped[list[dict[str, Any]]]
    #: the partner's organisational units: ``{ounit_id, code, names{lang}}``
    ounits: Mapped[list[dict[str, Any]]]
    on_ewp: Mapped[bool] = mapped_column(default=False)
    ewp_apis: Mapped[dict[str, str]]
    notes: Mapped[str | None] = mapped_column(sa.Text)
    #: manual | file | registry | iia | ewp-iia
    source: Mapped[str] = mapped_column(sa.String(16))
    #: fields edited here, which registry refreshes leave alone
    overridden: Mapped[list[str]] = mapped_column(JSONType)
    registry_observed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(sa.String(255))
    version: Mapped[int] = mapped_column(default=1)
