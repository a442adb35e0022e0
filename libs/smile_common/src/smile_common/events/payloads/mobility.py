"""Events published by the agreements service about incoming mobilities (nominations), the student's
application file and learning agreements (issue 5).

Semantics follow EWP Outgoing Mobilities v3 / Incoming Mobilities v2 (nominations, actual dates) and
Outgoing Mobility Learning Agreements v1 (versions, components, signatures). ``mobility_id`` is SMILE's
id; ``omobility_id`` is the sending institution's EWP id when the nomination came through EWP.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from smile_common.events.envelope import EventPayload

__all__ = [
    "FileStepChanged",
    "LaComponent",
    "LaSignature",
    "LearningAgreementApproved",
    "LearningAgreementChanged",
    "LearningAgreementEvent",
    "LearningAgreementProposed",
    "LearningAgreementRejected",
    "MobilityAccepted",
    "MobilityArrived",
    "MobilityCancelled",
    "MobilityDeparted",
    "MobilityEvent",
    "MobilityNominated",
    "MobilitySource",
    "MobilityStatus",
    "MobilityStudent",
    "NotificationRequested",
]


class MobilityStatus(StrEnum):
    NOMINATED = "nominated"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    LIVE = "live"
    COMPLETED = "completed"


class MobilitySource(StrEnum):
    EWP = "ewp"
    CSV = "csv"
    MANUAL = "manual"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MobilityStudent(_Part):
    """The nominee as the sending institution described them (EWP ``student``)."""

    given_names: str
    family_name: str
    email: str | None = None
    birth_date: date | None = None
    #: ISO 3166-1 alpha-2
    citizenship: str | None = None
    #: ISO 5218: 0 unknown, 1 male, 2 female, 9 not applicable
    gender: int | None = None
    #: European Student Identifier, ``urn:schac:personalUniqueCode:int:esi:<sc>:<code>``
    esi: str | None = None


class MobilityEvent(EventPayload):
    producer: ClassVar[str] = "agreements"

    mobility_id: UUID
    omobility_id: str | None = Field(default=None, description="The sending HEI's EWP omobility id")
    #: EWP ``nomination/@proposal-id``; the gateway sends it back in omobilities ``update``.
    proposal_id: str | None = None
    source: MobilitySource
    status: MobilityStatus
    #: the mobility programme of the file (``erasmus``, ``exchange``...)
    programme: str | None = None
    sending_hei_id: str
    sending_ounit_id: str | None = None
    receiving_hei_id: str
    receiving_ounit_code: str | None = None
    iia_id: UUID | None = None
    cooperation_condition_id: UUID | None = None
    #: receiving academic year, ``2026/2027``
    academic_year: str
    #: EWP academic term id, ``2026/2027-1/2``; None for a non-standard period
    academic_term: str | None = None
    planned_arrival_date: date | None = None
    planned_departure_date: date | None = None
    actual_arrival_date: date | None = None
    actual_departure_date: date | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    isced_code: str | None = None
    student: MobilityStudent
    changed_by: str
    changed_at: datetime


class MobilityNominated(MobilityEvent):
    """A partner nominated a student (EWP, CSV or by hand); the mobility awaits the coordinator's decision."""

    event_type: ClassVar[str] = "agreements.mobility.nominated.v1"


class MobilityAccepted(MobilityEvent):
    """The receiving university accepted the nomination (EWP: approve-proposal-v1)."""

    event_type: ClassVar[str] = "agreements.mobility.accepted.v1"


class MobilityRejected(MobilityEvent):
    """The receiving university rejected the nomination (EWP: reject-proposal-v1 with this comment)."""

    event_type: ClassVar[str] = "agreements.mobility.rejected.v1"
    reason: str


class MobilityCancelled(MobilityEvent):
    """The mobility will not take place (cancelled by the sending HEI, the student or the office)."""

    event_type: ClassVar[str] = "agreements.mobility.cancelled.v1"
    reason: str | None = None


class MobilityArrived(MobilityEvent):
    """The student arrived (status ``live``); ``actual_arrival_date`` is set (served in EWP imobilities)."""

    event_type: ClassVar[str] = "agreements.mobility.arrived.v1"


class MobilityDeparted(MobilityEvent):
    """The student left (status ``completed``); ``actual_departure_date`` is set."""

    event_type: ClassVar[str] = "agreements.mobility.departed.v1"


# --- application file ------------------------------------------------------------------------------
class FileStepChanged(EventPayload):
    """The student's application file moved: a step was validated (``to_step`` is the next one, None when
    the file is complete) or denied with a reason (the file goes back to ``to_step``)."""

    event_type: ClassVar[str] = "agreements.file.step_changed.v1"
    producer: ClassVar[str] = "agreements"

    file_id: UUID
    mobility_id: UUID
    programme: str
    action: Literal["validated", "denied", "reopened"]
    from_step: str | None
    to_step: str | None
    completed: bool
    reason: str | None = None
    actor_role: str
    changed_by: str
    changed_at: datetime


class NotificationRequested(EventPayload):
    """Someone must be told something: the agreements mailer renders ``template`` in ``language`` and sends
    it (or stores it in the dev outbox). Other consumers (a frontend's push channel) may listen too."""

    event_type: ClassVar[str] = "agreements.notification.requested.v1"
    producer: ClassVar[str] = "agreements"

    notification_id: UUID
    recipient_email: str
    recipient_role: str
    language: Literal["fr", "en"] = "en"
    template: str
    params: dict[str, str] = Field(default_factory=dict)
    mobility_id: UUID | None = None
    file_id: UUID | None = None


# --- learning agreements --------------------------------------------------------------------------
class LaComponent(_Part):
    """One component of a learning agreement table (EWP ``component``)."""

    table: Literal["studied", "recognized", "virtual", "blended"]
    #: the catalogue course (table A of the receiving university)
    course_id: UUID | None = None
    code: str | None = None
    title: str
    term: str | None = None
    credits: Decimal
    status: Literal["inserted", "deleted"] | None = None
    reason_code: str | None = None
    reason_text: str | None = None


class LaSignature(_Part):
    signer_name: str | None = None
    signer_position: str | None = None
    signer_email: str | None = None
    timestamp: datetime
    signer_app: str | None = "SMILE"


class LearningAgreementEvent(EventPayload):
    producer: ClassVar[str] = "agreements"

    learning_agreement_id: UUID
    mobility_id: UUID
    omobility_id: str | None = None
    sending_hei_id: str
    receiving_hei_id: str
    #: where the sending side runs the LA: ``ewp`` (the gateway pushes decisions) or ``local``
    source: Literal["ewp", "local"]
    version: int
    kind: Literal["first_version", "changes"]
    #: EWP ``changes-proposal/@id`` of the version concerned
    proposal_id: str
    changed_by: str
    changed_at: datetime


class LearningAgreementProposed(LearningAgreementEvent):
    """A version (first version or changes during the mobility) awaits signatures."""

    event_type: ClassVar[str] = "agreements.learning_agreement.proposed.v1"
    components: list[LaComponent]


class LearningAgreementChanged(LearningAgreementEvent):
    """A proposal's content changed before a decision (new ``proposal_id``, the old one is stale)."""

    event_type: ClassVar[str] = "agreements.learning_agreement.changed.v1"
    previous_proposal_id: str
    components: list[LaComponent]


class LearningAgreementApproved(LearningAgreementEvent):
    """The version is signed by the student, the sending and the receiving responsible persons.

    ``components`` is the whole table A/B in force after this version (records enrols from table A)."""

    event_type: ClassVar[str] = "agreements.learning_agreement.approved.v1"
    components: list[LaComponent]
    receiving_signature: LaSignature


class LearningAgreementRejected(LearningAgreementEvent):
    """A party refused the proposal with a comment (EWP: comment-proposal-v1)."""

    event_type: ClassVar[str] = "agreements.learning_agreement.rejected.v1"
    comment: str
    rejected_by_party: Literal["student", "sending", "receiving"]
    signature: LaSignature
