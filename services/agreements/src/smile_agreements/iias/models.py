"""Tables of the IIA context: SMILE's copies, their conditions, partners' copies, approvals, history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_agreements.db import Base
from smile_common.audit import Audited
from smile_common.db import JSONType


class Iia(Audited, Base):
    """SMILE's copy of an IIA. ``id`` is also its EWP ``iia-id``; ``iia_hash`` is the v7 hash of the
    copy as served now. ``status`` and the two approval flags are kept up to date on every change."""

    __tablename__ = "iia"
    __audit_ignore__ = frozenset({"updated_at", "version", "created_at", "modified_at", "updated_by"})
    __table_args__ = (
        sa.UniqueConstraint("tenant", "code"),
        sa.Index("ix_iia_tenant_partner_hei_id", "tenant", "partner_hei_id"),
        sa.Index("ix_iia_tenant_modified_at", "tenant", "modified_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    code: Mapped[str] = mapped_column(sa.String(255))
    #: draft | shared | terminated | deleted  (the workflow position; approvals come on top)
    state: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(24), index=True)
    approved_by_us: Mapped[bool] = mapped_column(default=False)
    approved_by_partner: Mapped[bool] = mapped_column(default=False)
    in_effect: Mapped[bool] = mapped_column(default=False)
    terminated_as_a_whole: Mapped[bool] = mapped_column(default=False)

    local_ounit_id: Mapped[str | None] = mapped_column(sa.String(64))
    local_signing_contact: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    local_signing_date: Mapped[date | None]
    local_contacts: Mapped[list[dict[str, Any]]]
    partner_hei_id: Mapped[str] = mapped_column(sa.String(255))
    partner_ounit_id: Mapped[str | None] = mapped_column(sa.String(64))
    partner_iia_id: Mapped[str | None] = mapped_column(sa.String(64))
    partner_iia_code: Mapped[str | None] = mapped_column(sa.String(255))
    partner_signing_contact: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    partner_signing_date: Mapped[date | None]
    partner_contacts: Mapped[list[dict[str, Any]]]
    pdf_file: Mapped[str | None] = mapped_column(sa.String(255))

    iia_hash: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1)
    #: manual | import | partner-copy
    source: Mapped[str] = mapped_column(sa.String(16))

    termination_mode: Mapped[str | None] = mapped_column(sa.String(24))
    termination_reason: Mapped[str | None] = mapped_column(sa.Text)
    terminated_by: Mapped[str | None] = mapped_column(sa.String(255))
    terminated_at: Mapped[datetime | None]
    shared_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[str | None] = mapped_column(sa.String(255))
    created_by: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(sa.String(255))
    updated_at: Mapped[datetime]
    #: last change the partner can see (EWP ``modified_since``)
    modified_at: Mapped[datetime]


class IiaCondition(Audited, Base):
    """One cooperation condition of SMILE's copy; its id stays the same across amendments."""

    __tablename__ = "iia_condition"
    __table_args__ = (sa.Index("ix_iia_condition_tenant_iia_id", "tenant", "iia_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    iia_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("iia.id", ondelete="CASCADE"))
    tenant: Mapped[str] = mapped_column(sa.String(255))
    position: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(24))
    sending_hei_id: Mapped[str] = mapped_column(sa.String(255))
    sending_ounit_id: Mapped[str | None] = mapped_column(sa.String(64))
    receiving_hei_id: Mapped[str] = mapped_column(sa.String(255))
    receiving_ounit_id: Mapped[str | None] = mapped_column(sa.String(64))
    first_academic_year: Mapped[str] = mapped_column(sa.String(9))
    last_academic_year: Mapped[str] = mapped_column(sa.String(9))
    mobilities_per_year: Mapped[int | None]
    mobilities_per_year_not_yet_defined: Mapped[bool] = mapped_column(default=False)
    total_months_per_year: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    total_days_per_year: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    blended: Mapped[bool | None]
    eqf_levels: Mapped[list[int]] = mapped_column(JSONType)
    subject_areas: Mapped[list[dict[str, Any]]]
    language_skills: Mapped[list[dict[str, Any]]]
    other_info_terms: Mapped[str | None] = mapped_column(sa.Text)
    sending_contacts: Mapped[list[dict[str, Any]]]
    receiving_contacts: Mapped[list[dict[str, Any]]]


class PartnerCopy(Base):
    """The partner's copy of an IIA as its EWP node serves it (latest received), matched or not yet
    matched to one of SMILE's copies."""

    __tablename__ = "iia_partner_copy"
    __table_args__ = (sa.UniqueConstraint("tenant", "partner_hei_id", "partner_iia_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    partner_hei_id: Mapped[str] = mapped_column(sa.String(255))
    partner_iia_id: Mapped[str] = mapped_column(sa.String(64))
    partner_iia_code: Mapped[str | None] = mapped_column(sa.String(255))
    iia_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("iia.id", ondelete="SET NULL"), index=True)
    #: our id as the partner mapped it (its second ``partner/iia-id``)
    claimed_local_iia_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: the copy as received (the gateway's event data), and as SMILE reads it (None if unreadable)
    received: Mapped[dict[str, Any]]
    content: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    problems: Mapped[list[str]] = mapped_column(JSONType)
    iia_xml: Mapped[str | None] = mapped_column(sa.Text)
    iia_hash: Mapped[str] = mapped_column(sa.String(64))
    hash_verified: Mapped[bool]
    valid_for_approval: Mapped[bool]
    received_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    #: the partner no longer serves it (deleted or hidden)
    deleted_at: Mapped[datetime | None]


class IiaApproval(Audited, Base):
    """One approval, with a snapshot of exactly what was approved.

    ``side`` = ``local`` (our university approved the partner's copy, or our own copy for a partner
    outside EWP) or ``partner`` (the partner approved our copy).
    """

    __tablename__ = "iia_approval"
    #: the snapshot is in the approval itself; the trail records who approved what hash
    __audit_ignore__ = frozenset({"snapshot", "snapshot_xml", "recorded_at"})
    __table_args__ = (sa.Index("ix_iia_approval_tenant_iia_id", "tenant", "iia_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    iia_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("iia.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(sa.String(8))
    #: which copy was approved: ``partner`` (the partner's) or ``own`` (ours)
    target: Mapped[str] = mapped_column(sa.String(8))
    approved_hash: Mapped[str] = mapped_column(sa.String(64))
    partner_iia_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: our version at approval time; for partner approvals, the version whose hash was approved (if any)
    iia_version: Mapped[int | None]
    #: ``{"approved_copy": ..., "our_copy": ...}`` as they stood
    snapshot: Mapped[dict[str, Any]]
    snapshot_xml: Mapped[str | None] = mapped_column(sa.Text)
    #: smile (a person here) | ewp (read from the partner's node) | manual (recorded for a partner outside EWP)
    source: Mapped[str] = mapped_column(sa.String(8))
    approved_by: Mapped[str] = mapped_column(sa.String(255))
    approved_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    pdf_file_id: Mapped[str | None] = mapped_column(sa.String(255))
    note: Mapped[str | None] = mapped_column(sa.Text)


class IiaVersion(Base):
    """SMILE's copy as it stood at each version (content, hash, who, when)."""

    __tablename__ = "iia_version"
    __table_args__ = (sa.UniqueConstraint("iia_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    iia_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("iia.id", ondelete="CASCADE"))
    tenant: Mapped[str] = mapped_column(sa.String(255))
    version: Mapped[int]
    iia_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    content: Mapped[dict[str, Any]]
    changed_by: Mapped[str] = mapped_column(sa.String(255))
    changed_at: Mapped[datetime]


class IiaHistory(Base):
    """Who did what to an IIA and when (created, amended, shared, approved, partner copy received...)."""

    __tablename__ = "iia_history"
    __table_args__ = (sa.Index("ix_iia_history_iia_id_at", "iia_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    iia_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("iia.id", ondelete="CASCADE"))
    tenant: Mapped[str] = mapped_column(sa.String(255))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(255))
    action: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int]
    iia_hash: Mapped[str] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]]
