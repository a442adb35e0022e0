from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_agreements.db import Base
from smile_common.audit import Audited


class CatalogueCourse(Base):
    """Local read model of the catalogue's courses, fed by ``catalogue.course.*`` events: what table A
    components may reference."""

    __tablename__ = "catalogue_course"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    course_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), index=True)
    title: Mapped[dict[str, str]]
    ects: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    term_codes: Mapped[list[str]]
    organisational_unit_code: Mapped[str | None] = mapped_column(sa.String(64))
    published: Mapped[bool]
    as_of: Mapped[datetime]


class LearningAgreement(Audited, Base):
    __tablename__ = "learning_agreement"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    mobility_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    #: ``local`` (drafted in SMILE, partner outside EWP) or ``ewp`` (the sending HEI masters it)
    source: Mapped[str] = mapped_column(sa.String(8))
    omobility_id: Mapped[str | None] = mapped_column(sa.String(64))
    sending_hei_id: Mapped[str] = mapped_column(sa.String(255))
    #: responsible persons {given_names, family_name, email, position}
    sending_contact: Mapped[dict[str, Any]]
    receiving_contact: Mapped[dict[str, Any]]
    basket_submission: Mapped[int] = mapped_column(default=0)
    #: when the partner's EWP copy we hold was read
    source_as_of: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LaVersion(Audited, Base):
    """A version of the LA: the first version (tables A, B) or changes during the mobility (A2, B2)."""

    __tablename__ = "la_version"
    __table_args__ = (sa.UniqueConstraint("learning_agreement_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    learning_agreement_id: Mapped[uuid.UUID] = mapped_column(index=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: draft, proposed, approved, rejected, superseded
    status: Mapped[str] = mapped_column(sa.String(16))
    proposal_id: Mapped[str | None] = mapped_column(sa.String(128))
    components: Mapped[list[dict[str, Any]]]
    #: {student|sending|receiving: {signer_name, signer_position, signer_email, timestamp, signer_app}}
    signatures: Mapped[dict[str, Any]]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    rejected_by: Mapped[str | None] = mapped_column(sa.String(16))
    created_by: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
