"""Data-subject requests (GDPR access and erasure) across the suite.

Each service declares where it keeps a person's data (:class:`PersonData`, or its own
:class:`DataSubjectParticipant`); the shared plumbing gives it a consumer that locates, collects or
erases on request and answers with an event. The service hosting the orchestrator (records) exposes
``/data-protection/requests`` and follows each request to its end, asking late services again.
"""

from smile_common.datasubject.orchestrator import Orchestrator, merge_identity
from smile_common.datasubject.participant import AUDIT_KEEP_REASON, DataSubjectParticipant, SourcesParticipant
from smile_common.datasubject.sources import (
    Anonymise,
    Erase,
    ErasureStrategy,
    Keep,
    PersonData,
    Scrub,
    linked,
    scrub_json,
)
from smile_common.events.payloads.privacy import SubjectIdentity

__all__ = [
    "AUDIT_KEEP_REASON",
    "Anonymise",
    "DataSubjectParticipant",
    "Erase",
    "ErasureStrategy",
    "Keep",
    "Orchestrator",
    "PersonData",
    "Scrub",
    "SourcesParticipant",
    "SubjectIdentity",
    "linked",
    "merge_identity",
    "scrub_json",
]
