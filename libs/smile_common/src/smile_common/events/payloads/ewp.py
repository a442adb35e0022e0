"""Events published by the EWP gateway: what partners' EWP nodes and the EWP registry told SMILE.

Every event's tenant is the covered university (SCHAC code) the information is for. Identifiers keep
the EWP vocabulary: ``partner_*`` is the other university, ``local_*`` is the tenant's own side.
Partner data is passed on as received (after XML schema validation); nothing is invented.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from smile_common.events.envelope import EventPayload

__all__ = [
    "EwpContact",
    "EwpOrganisationalUnit",
    "IiaApprovalReceived",
    "IiaDeleted",
    "IiaPartner",
    "IiaReceived",
    "InstitutionUpdated",
    "LaComponent",
    "LaComponentList",
    "LaCredit",
    "LaInstitution",
    "LaSignature",
    "LaStudent",
    "LearningAgreementReceived",
    "MobilityInstitution",
    "MobilitySpec",
    "NominationDeleted",
    "NominationReceived",
    "NominationStudent",
    "OtherHeiId",
    "PartnerUpdateFailed",
    "PartnerUpdateSucceeded",
    "RecommendedLanguageSkill",
    "SubjectArea",
]

#: SCHAC code of an institution, e.g. ``unicaen.fr``.
HeiId = str
#: ``YYYY/YYYY`` (``2024/2025``; southern hemisphere ``2025/2025``).
AcademicYearId = str


class _Part(BaseModel):
    """Nested parts of payloads: unknown fields forbidden when produced, ignored when consumed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _EwpEvent(EventPayload):
    producer: ClassVar[str] = "ewp_gateway"


# --- institutions ---------------------------------------------------------------------------------


class OtherHeiId(_Part):
    #: ``pic``, ``erasmus``, ``erasmus-charter``, ``previous-schac``, ``euc``...
    type: str
    value: str


class EwpContact(_Part):
    """A contact as EWP describes it (person or role)."""

    name: str | None = None
    given_names: str | None = None
    family_name: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list, description="E.164 numbers, e.g. +33231566500")
    role_description: str | None = None


class EwpOrganisationalUnit(_Part):
    """One of the institution's organisational units, as its Organizational Units API describes it."""

    ounit_id: str
    code: str
    names: dict[str, str] = Field(default_factory=dict, description="Names by language code ('und' if not given)")
    abbreviation: str | None = None
    parent_ounit_id: str | None = None


class InstitutionUpdated(_EwpEvent):
    """An institution of the EWP network is new or changed (registry catalogue or its Institutions API).

    Sent once per covered university (tenant) whenever what SMILE knows of the institution changes.
    """

    event_type: ClassVar[str] = "ewp.institution.updated.v1"

    hei_id: HeiId
    names: dict[str, str] = Field(description="Names by language code; 'und' when the language is not given")
    abbreviation: str | None = None
    other_ids: list[OtherHeiId] = Field(default_factory=list)
    erasmus_code: str | None = Field(default=None, description="e.g. 'F  CAEN01'")
    pic: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    city: str | None = None
    website_url: str | None = None
    contacts: list[EwpContact] = Field(default_factory=list)
    #: EWP APIs the institution's node implements, by manifest element name, with the version served.
    ewp_apis: dict[str, str] = Field(default_factory=dict)
    #: whether a node registered in the EWP registry covers the institution.
    on_ewp: bool
    source: Literal["registry", "institutions-api"]
    observed_at: datetime
    #: the units listed by the institution (its Organizational Units API); None when not read this time.
    ounits: list[EwpOrganisationalUnit] | None = None


# --- IIAs -----------------------------------------------------------------------------------------


class SubjectArea(_Part):
    isced_f_code: str | None = Field(default=None, description="ISCED-F code (4 digits in IIAs v7)")
    isced_clarification: str | None = None


class RecommendedLanguageSkill(_Part):
    language: str
    cefr_level: str | None = None
    subject_area: SubjectArea | None = None
    not_yet_defined: bool = False


class MobilitySpec(_Part):
    """One cooperation condition of an IIA."""

    kind: Literal["student-studies", "student-traineeship", "staff-teacher", "staff-training"]
    sending_hei_id: HeiId
    sending_ounit_id: str | None = None
    sending_contacts: list[EwpContact] = Field(default_factory=list)
    receiving_hei_id: HeiId
    receiving_ounit_id: str | None = None
    receiving_contacts: list[EwpContact] = Field(default_factory=list)
    receiving_first_academic_year_id: AcademicYearId
    receiving_last_academic_year_id: AcademicYearId
    #: ``None`` when the partner marks the value ``not-yet-defined`` (IIAs migrated from v6).
    mobilities_per_year: int | None
    recommended_language_skills: list[RecommendedLanguageSkill] = Field(default_factory=list)
    subject_areas: list[SubjectArea] = Field(default_factory=list)
    other_info_terms: str | None = None
    total_months_per_year: float | None = None
    blended: bool | None = None
    eqf_levels: list[int] = Field(default_factory=list)
    total_days_per_year: float | None = None


class IiaPartner(_Part):
    hei_id: HeiId
    ounit_id: str | None = None
    iia_id: str | None = None
    iia_code: str | None = None
    signing_contact: EwpContact | None = None
    signing_date: date | None = None
    contacts: list[EwpContact] = Field(default_factory=list)


class IiaReceived(_EwpEvent):
    """A partner's copy of an IIA, as its IIAs API serves it now (after a CNR, a resync or a refresh).

    ``partners[0]`` is the partner (owner of this copy), ``partners[1]`` the tenant. ``local_iia_id``
    is the tenant's IIA id as the partner knows it (``None`` until the partner has mapped it).
    ``iia_hash`` is the hash an approval of this copy must carry; ``hash_verified`` says whether
    SMILE's own computation of it agrees with what the partner declared.
    """

    event_type: ClassVar[str] = "ewp.iia.received.v1"

    partner_hei_id: HeiId
    partner_iia_id: str
    partner_iia_code: str | None = None
    local_hei_id: HeiId
    local_iia_id: str | None = None
    partners: list[IiaPartner]
    in_effect: bool
    terminated_as_a_whole: bool = False
    cooperation_conditions: list[MobilitySpec]
    iia_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    hash_verified: bool
    #: false when the copy still holds values migrated from v6 (``not-yet-defined``): it cannot be approved.
    valid_for_approval: bool
    pdf_file_id: str | None = None
    #: the ``<iia>`` element exactly as the partner served it (UTF-8 text with its namespace declarations):
    #: the proof of what an approval approves, and what its hash is computed over.
    iia_xml: str | None = None
    received_at: datetime


class IiaDeleted(_EwpEvent):
    """A partner no longer serves an IIA it had notified (it deleted its copy or stopped sharing it)."""

    event_type: ClassVar[str] = "ewp.iia.deleted.v1"

    partner_hei_id: HeiId
    partner_iia_id: str
    local_hei_id: HeiId
    observed_at: datetime


class IiaApprovalReceived(_EwpEvent):
    """A partner approved the tenant's copy of an IIA (read from the partner's IIAs Approval API).

    ``approved_hash`` is the hash the partner approved; ``matches_current`` whether it is the hash of
    the tenant's copy as SMILE serves it now (``current_hash``). An approval of an older version no
    longer applies once the copy changed.
    """

    event_type: ClassVar[str] = "ewp.iia_approval.received.v1"

    partner_hei_id: HeiId
    local_hei_id: HeiId
    local_iia_id: str
    approved_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    current_hash: str | None = None
    matches_current: bool
    pdf_file_id: str | None = None
    received_at: datetime


# --- nominations (Outgoing Mobilities v3, read from the sending institution) -----------------------


class NominationStudent(_Part):
    given_names: str
    family_name: str
    #: other spellings by language tag (e.g. ``ru-Cyrl``), as the sending institution gave them.
    given_names_by_lang: dict[str, str] = Field(default_factory=dict)
    family_name_by_lang: dict[str, str] = Field(default_factory=dict)
    #: European Student Identifier (``urn:schac:personalUniqueCode:int:esi:...``).
    global_id: str
    birth_date: date
    nationality: str
    #: ISO 5218: 0 not known, 1 male, 2 female, 9 not applicable.
    gender: int
    email: str


class MobilityInstitution(_Part):
    hei_id: HeiId
    ounit_id: str | None = None
    iia_id: str | None = None


class NominationReceived(_EwpEvent):
    """A nomination (outgoing mobility) as the sending institution serves it now.

    ``proposal_id`` changes whenever the nomination's content changes; a decision must quote the one
    it was taken on. ``status``: ``pending`` (awaits the tenant's decision), ``approved``, ``rejected``,
    ``cancelled`` (by the sending institution).
    """

    event_type: ClassVar[str] = "ewp.nomination.received.v1"

    omobility_id: str
    sending_hei: MobilityInstitution
    receiving_hei: MobilityInstitution
    proposal_id: str
    status: Literal["pending", "approved", "rejected", "cancelled"]
    student: NominationStudent
    sending_academic_term_ewp_id: str | None = Field(default=None, description="e.g. 2024/2025-1/2")
    non_standard_mobility_period: bool = False
    receiving_academic_year_id: AcademicYearId
    activity_type: str
    activity_attributes: Literal["long-term", "short-term-blended", "short-term-doctoral"]
    agreement_isced_f_code: str
    eqf_level_studied_at_departure: int
    nominee_isced_f_code: str
    comment: str | None = None
    received_at: datetime


class NominationDeleted(_EwpEvent):
    """The sending institution no longer serves a mobility it had notified."""

    event_type: ClassVar[str] = "ewp.nomination.deleted.v1"

    omobility_id: str
    sending_hei_id: HeiId
    observed_at: datetime


# --- learning agreements (Outgoing Mobility LAs v1, read from the sending institution) ---------------


class LaStudent(_Part):
    given_names: str | None = None
    family_name: str | None = None
    global_id: str | None = None
    birth_date: date | None = None
    citizenship: str | None = None
    gender: int | None = None
    email: str | None = None


class LaSignature(_Part):
    signer_name: str | None = None
    signer_position: str | None = None
    signer_email: str | None = None
    timestamp: datetime
    signer_app: str | None = None


class LaCredit(_Part):
    scheme: str = Field(description="e.g. 'ects'")
    value: float


class LaComponent(_Part):
    los_id: str | None = None
    los_code: str | None = None
    title: str
    loi_id: str | None = None
    #: e.g. term 1 of 2 (first semester); ``None`` when not given.
    term_number: int | None = None
    total_terms: int | None = None
    credits: list[LaCredit] = Field(default_factory=list)
    recognition_conditions: str | None = None
    short_description: str | None = None
    status: Literal["inserted", "deleted"] | None = None
    reason_code: str | None = None
    reason_text: str | None = None


class LaComponentList(_Part):
    """A version of the LA (first version, approved changes, or the pending changes proposal)."""

    components_studied: list[LaComponent] = Field(default_factory=list)
    components_recognized: list[LaComponent] = Field(default_factory=list)
    virtual_components: list[LaComponent] = Field(default_factory=list)
    blended_mobility_components: list[LaComponent] = Field(default_factory=list)
    short_term_doctoral_components: list[LaComponent] = Field(default_factory=list)
    student_signature: LaSignature | None = None
    sending_hei_signature: LaSignature | None = None
    receiving_hei_signature: LaSignature | None = None


class LaInstitution(_Part):
    hei_id: HeiId
    ounit_id: str | None = None
    ounit_name: str | None = None
    contact_given_names: str
    contact_family_name: str
    contact_email: str
    contact_phone: str | None = None


class LearningAgreementReceived(_EwpEvent):
    """A learning agreement as the sending institution serves it now.

    ``changes_proposal_id`` identifies the version awaiting the tenant's signature (``None`` when
    nothing is pending); an approval or a comment must quote it.
    """

    event_type: ClassVar[str] = "ewp.learning_agreement.received.v1"

    omobility_id: str
    sending_hei: LaInstitution
    receiving_hei: LaInstitution
    receiving_academic_year_id: AcademicYearId
    student: LaStudent
    start: str = Field(description="YYYY-MM-DD or YYYY-MM")
    end: str = Field(description="YYYY-MM-DD or YYYY-MM")
    eqf_level_studied_at_departure: int
    isced_f_code: str
    isced_clarification: str | None = None
    language: str
    cefr_level: str
    first_version: LaComponentList | None = None
    approved_changes: LaComponentList | None = None
    changes_proposal: LaComponentList | None = None
    changes_proposal_id: str | None = None
    #: student data updated by the changes proposal, if any.
    changes_proposal_student: LaStudent | None = None
    learning_outcomes_url: str | None = None
    provisions_url: str | None = None
    received_at: datetime


# --- results of SMILE's calls to partners' update endpoints ----------------------------------------

UpdateKind = Literal["nomination-approve", "nomination-reject", "la-approve", "la-comment"]


class PartnerUpdateSucceeded(_EwpEvent):
    """The sending institution accepted SMILE's decision (Outgoing Mobilities / LAs ``update``)."""

    event_type: ClassVar[str] = "ewp.partner_update.succeeded.v1"

    kind: UpdateKind
    omobility_id: str
    sending_hei_id: HeiId
    proposal_id: str
    #: id of the SMILE event that asked for the update.
    request_event_id: str | None = None
    message: str | None = Field(default=None, description="the partner's success-user-message, if any")
    at: datetime


class PartnerUpdateFailed(_EwpEvent):
    """The sending institution refused SMILE's decision, or it could not be delivered before expiry.

    ``http_status`` 409 means the proposal changed in between: SMILE fetches the new version (a
    ``received`` event follows) and the decision must be taken again on it.
    """

    event_type: ClassVar[str] = "ewp.partner_update.failed.v1"

    kind: UpdateKind
    omobility_id: str
    sending_hei_id: HeiId
    proposal_id: str
    request_event_id: str | None = None
    http_status: int | None = None
    reason: str
    at: datetime
