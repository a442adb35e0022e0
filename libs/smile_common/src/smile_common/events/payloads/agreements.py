"""Events published by the agreements service about inter-institutional agreements (IIAs) (issue 4).

Semantics follow EWP IIAs v7. ``iia_id`` is SMILE's id of its own copy, which is also the ``iia-id``
served to partners through EWP (as a string). ``partner_iia_id`` is the partner's id of its copy, known
once the two copies are mapped. ``iia_hash`` is the v7 ``iia-hash`` of SMILE's copy as served.

For the EWP gateway:

* ``shared`` tells whether the partner can fetch the IIA (EWP ``get``/``index``). Send an IIA CNR (with
  ``iia_id``) for ``created``/``updated``/``terminated`` events whose ``shared`` is true, and for
  ``deleted`` events whose ``was_shared`` is true. Drafts are never visible to partners.
* ``approved`` means SMILE's university approved the partner's copy whose hash is ``approved_hash``:
  send an IIA Approval CNR to the partner with ``partner_iia_id`` (the approved copy's owner id).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from smile_common.events.envelope import EventPayload

__all__ = [
    "CooperationConditionSummary",
    "CooperationType",
    "IiaApproved",
    "IiaCreated",
    "IiaDeleted",
    "IiaPartnerApproved",
    "IiaStatus",
    "IiaTerminated",
    "IiaUpdated",
    "LanguageSkillSummary",
    "OtherId",
    "PartnerCreated",
    "PartnerUpdated",
]

IIA_HASH_PATTERN = r"^[0-9a-f]{64}$"
ACADEMIC_YEAR_PATTERN = r"^\d{4}/\d{4}$"


class IiaStatus(StrEnum):
    """Where an IIA stands. Approvals hold only while the approved hash is still the current one."""

    #: being prepared, not visible to the partner
    DRAFT = "draft"
    #: visible to the partner through EWP, no valid approval yet
    SHARED = "shared"
    #: we approved the partner's current copy; the partner has not approved ours (current version)
    APPROVED_BY_US = "approved_by_us"
    #: the partner approved our current copy; we have not approved theirs
    APPROVED_BY_PARTNER = "approved_by_partner"
    MUTUALLY_APPROVED = "mutually_approved"
    #: terminated as a whole, or ended after a given academic year
    TERMINATED = "terminated"
    DELETED = "deleted"


class CooperationType(StrEnum):
    """The four kinds of EWP cooperation conditions (``*-mobility-spec``)."""

    STUDENT_STUDIES = "student_studies"
    STUDENT_TRAINEESHIP = "student_traineeship"
    STAFF_TEACHER = "staff_teacher"
    STAFF_TRAINING = "staff_training"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LanguageSkillSummary(_Part):
    language: str
    cefr_level: str | None = Field(default=None, pattern=r"^[ABC][12]$")
    isced_f_code: str | None = None


class CooperationConditionSummary(_Part):
    """One cooperation condition, enough to match nominations and count quotas."""

    cooperation_condition_id: UUID
    type: CooperationType
    #: relative to SMILE's university: ``incoming`` when the partner sends, ``outgoing`` when we send
    direction: Literal["incoming", "outgoing"]
    sending_hei_id: str
    sending_ounit_id: str | None = None
    receiving_hei_id: str
    receiving_ounit_id: str | None = None
    first_academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN)
    last_academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN)
    #: None only for conditions migrated from IIA v6 where the value is "not yet defined"
    mobilities_per_year: int | None = Field(default=None, ge=1)
    total_months_per_year: Decimal | None = None
    total_days_per_year: Decimal | None = None
    blended: bool | None = None
    isced_f_codes: list[str] = Field(default_factory=list)
    eqf_levels: list[int] = Field(default_factory=list)
    language_skills: list[LanguageSkillSummary] = Field(default_factory=list)


class _IiaEvent(EventPayload):
    producer: ClassVar[str] = "agreements"

    iia_id: UUID
    iia_code: str
    #: increases with every change of SMILE's copy
    version: int = Field(ge=1)
    status: IiaStatus
    #: the partner can fetch this IIA through EWP
    shared: bool
    #: EWP ``in-effect``: the IIA is, or once was, mutually approved
    in_effect: bool
    local_hei_id: str
    local_ounit_id: str | None = None
    partner_hei_id: str
    partner_ounit_id: str | None = None
    partner_name: str | None = None
    #: ISO 3166-1 alpha-2 country of the partner, when known
    partner_country: str | None = None
    partner_iia_id: str | None = None
    partner_iia_code: str | None = None
    iia_hash: str = Field(pattern=IIA_HASH_PATTERN)
    #: our approval of the partner's current copy holds
    approved_by_us: bool
    #: the partner's approval of our current copy holds
    approved_by_partner: bool
    first_academic_year: str | None = None
    last_academic_year: str | None = None
    conditions: list[CooperationConditionSummary] = Field(default_factory=list)
    changed_by: str
    changed_at: datetime


class IiaCreated(_IiaEvent):
    """A new IIA exists in SMILE (typed in, imported, or adopted from a partner's copy)."""

    event_type: ClassVar[str] = "agreements.iia.created.v1"


class IiaUpdated(_IiaEvent):
    """SMILE's copy changed: content (a new version), mapping to the partner's copy, sharing, approvals
    that stopped holding. ``hash_changed`` tells whether the approvals of the previous copy were lost."""

    event_type: ClassVar[str] = "agreements.iia.updated.v1"
    hash_changed: bool
    previous_iia_hash: str | None = Field(default=None, pattern=IIA_HASH_PATTERN)
    #: what changed, e.g. ``["cooperation_conditions", "partner_iia_id", "status"]``
    changes: list[str] = Field(default_factory=list)


class IiaApproved(_IiaEvent):
    """SMILE's university approved the partner's copy (EWP IIAs Approval: send an approval CNR)."""

    event_type: ClassVar[str] = "agreements.iia.approved.v1"
    approval_id: UUID
    #: hash of the partner's copy that was approved
    approved_hash: str = Field(pattern=IIA_HASH_PATTERN)
    approved_by: str
    approved_at: datetime


class IiaPartnerApproved(_IiaEvent):
    """The partner approved SMILE's copy (received through EWP, or recorded by hand for partners
    outside EWP). ``matches_current`` is false when the partner approved a version we have since changed."""

    event_type: ClassVar[str] = "agreements.iia.partner_approved.v1"
    approval_id: UUID
    approved_hash: str = Field(pattern=IIA_HASH_PATTERN)
    matches_current: bool
    approved_at: datetime


class IiaTerminated(_IiaEvent):
    """The IIA was terminated: as a whole (no exchange took place; EWP ``terminated-as-a-whole``) or
    from an academic year on (a modification: the last academic year of the conditions was brought
    forward). Either way the partner has to approve the new copy."""

    event_type: ClassVar[str] = "agreements.iia.terminated.v1"
    mode: Literal["as_a_whole", "after_academic_year"]
    last_academic_year_kept: str | None = Field(default=None, pattern=ACADEMIC_YEAR_PATTERN)
    reason: str | None = None


class IiaDeleted(_IiaEvent):
    """An IIA that was never mutually approved was deleted: it disappears from EWP (send an IIA CNR when
    ``was_shared``) and its id is never reused."""

    event_type: ClassVar[str] = "agreements.iia.deleted.v1"
    was_shared: bool


# --- partner institutions --------------------------------------------------------------------------


class OtherId(_Part):
    #: ``pic``, ``erasmus``, ``erasmus-charter``, ``previous-schac``...
    type: str
    value: str


class _PartnerEvent(EventPayload):
    producer: ClassVar[str] = "agreements"

    partner_id: UUID
    hei_id: str
    names: dict[str, str] = Field(description="Names by language code")
    #: the English name when there is one, else the first
    name: str
    abbreviation: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    city: str | None = None
    erasmus_code: str | None = None
    pic: str | None = None
    other_ids: list[OtherId] = Field(default_factory=list)
    on_ewp: bool = False
    changed_by: str
    changed_at: datetime


class PartnerCreated(_PartnerEvent):
    """A partner institution was added to the university's list (by hand, from a file, or because an
    IIA or the EWP registry named it)."""

    event_type: ClassVar[str] = "agreements.partner.created.v1"


class PartnerUpdated(_PartnerEvent):
    """A partner institution's data changed (edited, or refreshed from the EWP registry)."""

    event_type: ClassVar[str] = "agreements.partner.updated.v1"
