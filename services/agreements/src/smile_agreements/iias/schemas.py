"""What the IIA API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from smile_agreements.iias.content import AcademicYearId, CooperationCondition, IiaPartner
from smile_common.events.payloads.agreements import IiaStatus

HashHex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class IiaWrite(BaseModel):
    """SMILE's copy of an IIA as v7 describes it: ``partners[0]`` is our university (its ``iia_code`` is
    our agreement number; its ``iia_id`` is given by SMILE), ``partners[1]`` the partner institution."""

    model_config = ConfigDict(extra="forbid")

    partners: Annotated[list[IiaPartner], Field(min_length=2, max_length=2)]
    cooperation_conditions: list[CooperationCondition] = Field(min_length=1, max_length=200)
    pdf_file: Annotated[str, StringConstraints(max_length=255)] | None = None


class IiaCreate(IiaWrite):
    #: share with the partner at once instead of keeping a draft
    share: bool = False


class IiaUpdate(IiaWrite):
    """An amendment: the whole copy as it should now be. Conditions keep their ``id``; a condition
    without ``id`` is new; a condition left out is removed."""

    version: int = Field(ge=1, description="the version you read (a stale one answers 409 with the current IIA)")


class ApprovalSummary(BaseModel):
    id: uuid.UUID
    side: Literal["local", "partner"]
    #: which copy was approved: the partner's, or ours
    target: Literal["partner", "own"]
    approved_hash: str
    holds: bool
    iia_version: int | None
    source: str
    approved_by: str
    approved_at: datetime
    pdf_file_id: str | None = None
    note: str | None = None


class ApprovalRead(ApprovalSummary):
    snapshot: dict[str, Any]
    snapshot_xml: str | None = None


class PartnerCopySummary(BaseModel):
    id: uuid.UUID
    partner_hei_id: str
    partner_iia_id: str
    partner_iia_code: str | None
    iia_id: uuid.UUID | None
    claimed_local_iia_id: str | None
    iia_hash: str
    hash_verified: bool
    valid_for_approval: bool
    problems: list[str]
    received_at: datetime
    deleted_at: datetime | None


class PartnerCopyRead(PartnerCopySummary):
    content: dict[str, Any] | None
    received: dict[str, Any]


class Termination(BaseModel):
    mode: str
    reason: str | None
    terminated_by: str
    terminated_at: datetime


class IiaRead(BaseModel):
    id: uuid.UUID
    code: str
    status: IiaStatus
    shared: bool
    version: int
    iia_hash: str
    in_effect: bool
    terminated_as_a_whole: bool
    approved_by_us: bool
    approved_by_partner: bool
    partner_hei_id: str
    partner_name: str | None
    partner_country: str | None
    partners: list[IiaPartner]
    cooperation_conditions: list[CooperationCondition]
    pdf_file: str | None
    partner_copy: PartnerCopySummary | None
    approvals: list[ApprovalSummary]
    termination: Termination | None
    source: str
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    shared_at: datetime | None
    modified_at: datetime


class IiaListItem(BaseModel):
    id: uuid.UUID
    code: str
    status: IiaStatus
    version: int
    partner_hei_id: str
    partner_iia_id: str | None
    partner_iia_code: str | None
    approved_by_us: bool
    approved_by_partner: bool
    in_effect: bool
    first_academic_year: str | None
    last_academic_year: str | None
    conditions: int
    updated_at: datetime


class IiaPage(BaseModel):
    items: list[IiaListItem]
    next_cursor: str | None = None


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)


class ApproveRequest(BaseModel):
    """Approve what you were shown: our copy at ``version`` and, for a partner in EWP, the partner's copy
    whose hash is ``partner_iia_hash``. Anything else changed since answers 409 with what is current."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    partner_iia_hash: HashHex | None = None
    #: approve although the two copies differ in fields the hash covers (see the comparison)
    accept_differences: bool = False
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None


class PartnerApprovalRecord(BaseModel):
    """For a partner outside EWP: record that it approved (signed) our copy as it stands at ``version``."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    approved_at: datetime | None = None
    signed_by: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None


class TerminateRequest(BaseModel):
    """Terminate a mutually approved IIA: ``as_a_whole`` when no exchange took place (EWP
    ``terminated-as-a-whole``), else ``after_academic_year``: nothing after ``last_academic_year``."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    mode: Literal["as_a_whole", "after_academic_year"]
    last_academic_year: AcademicYearId | None = None
    reason: Annotated[str, StringConstraints(max_length=4000)] | None = None


class DeleteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)


class MatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    iia_id: uuid.UUID


class AdoptRequest(BaseModel):
    """Create SMILE's copy from the partner's: the same conditions, our agreement number ``code``."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    local_ounit_id: Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,64}$")] | None = None


class VersionRead(BaseModel):
    version: int
    iia_hash: str
    changed_by: str
    changed_at: datetime
    content: dict[str, Any]


class HistoryLine(BaseModel):
    at: datetime
    actor: str
    action: str
    version: int
    iia_hash: str
    details: dict[str, Any]


class HistoryRead(BaseModel):
    versions: list[VersionRead]
    events: list[HistoryLine]


class HashRead(BaseModel):
    """How the hash of our copy is made: the v7 ``text-to-hash`` string and its SHA-256."""

    iia_hash: str
    text_to_hash: str
    valid_for_approval: bool
