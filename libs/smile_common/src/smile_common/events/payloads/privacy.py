"""Events of data-subject requests (access and erasure, issue 11).

The orchestrator (hosted by records) asks every service to run one phase of a request —
``locate`` the person, then ``collect`` their data (access) or ``erase`` it (erasure) — with
:class:`DataSubjectPhaseRequested`; each service answers with its own ``<service>.data_subject_request.
phase_answered.v1`` event, written in the same transaction as what it did. The identity travels so that
every service can find the person by ESI, e-mail (+ birth date) or account.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from smile_common.events.envelope import EventPayload

__all__ = [
    "ANSWER_TYPES",
    "AgreementsDataSubjectPhaseAnswered",
    "CatalogueDataSubjectPhaseAnswered",
    "DataSubjectPhaseAnswered",
    "DataSubjectPhaseRequested",
    "EwpDataSubjectPhaseAnswered",
    "IndicatorsDataSubjectPhaseAnswered",
    "RecordsDataSubjectPhaseAnswered",
    "SubjectIdentity",
    "answer_type",
]

Phase = Literal["locate", "collect", "erase"]


class SubjectIdentity(BaseModel):
    """Who the request is about: every identifier known for the person (lower-cased)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: European Student Identifiers (``urn:schac:personalUniqueCode:int:esi:…``)
    esis: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    birth_date: date | None = None
    #: accounts at the identity provider (``sub`` of the person's tokens)
    subjects: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.esis or self.emails or self.subjects)


class DataSubjectPhaseRequested(EventPayload):
    """Every listed service is asked to run ``phase`` of a data-subject request."""

    event_type: ClassVar[str] = "records.data_subject_request.phase_requested.v1"
    producer: ClassVar[str] = "records"
    retained: ClassVar[bool] = False

    request_id: UUID
    kind: Literal["access", "erasure"]
    phase: Phase
    identity: SubjectIdentity
    #: who filed the request (the data protection officer's account)
    requested_by: str
    #: the services asked this time (a re-sent phase names only those that have not answered)
    services: list[str]


class DataSubjectPhaseAnswered(EventPayload):
    """A service ran (or could not run) a phase; ``result`` depends on the phase (see docs)."""

    retained: ClassVar[bool] = False

    request_id: UUID
    phase: Phase
    service: str
    outcome: Literal["done", "failed"]
    result: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class CatalogueDataSubjectPhaseAnswered(DataSubjectPhaseAnswered):
    event_type: ClassVar[str] = "catalogue.data_subject_request.phase_answered.v1"
    producer: ClassVar[str] = "catalogue"


class AgreementsDataSubjectPhaseAnswered(DataSubjectPhaseAnswered):
    event_type: ClassVar[str] = "agreements.data_subject_request.phase_answered.v1"
    producer: ClassVar[str] = "agreements"


class RecordsDataSubjectPhaseAnswered(DataSubjectPhaseAnswered):
    event_type: ClassVar[str] = "records.data_subject_request.phase_answered.v1"
    producer: ClassVar[str] = "records"


class EwpDataSubjectPhaseAnswered(DataSubjectPhaseAnswered):
    event_type: ClassVar[str] = "ewp.data_subject_request.phase_answered.v1"
    producer: ClassVar[str] = "ewp_gateway"


class IndicatorsDataSubjectPhaseAnswered(DataSubjectPhaseAnswered):
    event_type: ClassVar[str] = "indicators.data_subject_request.phase_answered.v1"
    producer: ClassVar[str] = "indicators"


#: the answer event of each service, by service name.
ANSWER_TYPES: dict[str, type[DataSubjectPhaseAnswered]] = {
    "catalogue": CatalogueDataSubjectPhaseAnswered,
    "agreements": AgreementsDataSubjectPhaseAnswered,
    "records": RecordsDataSubjectPhaseAnswered,
    "ewp_gateway": EwpDataSubjectPhaseAnswered,
    "indicators": IndicatorsDataSubjectPhaseAnswered,
}


def answer_type(service: str) -> type[DataSubjectPhaseAnswered]:
    """The answer event type of ``service`` (a new service registers its own in :data:`ANSWER_TYPES`)."""
    try:
        return ANSWER_TYPES[service]
    except KeyError as exc:
        raise LookupError(f"no data-subject answer event for service {service!r}") from exc
