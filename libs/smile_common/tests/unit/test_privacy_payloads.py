"""Data-subject request events: one request type from records, one answer type per service."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from smile_common.events import EVENT_TYPES
from smile_common.events.payloads.privacy import (
    ANSWER_TYPES,
    DataSubjectPhaseRequested,
    SubjectIdentity,
    answer_type,
)


def test_every_service_answers_with_its_own_event_type() -> None:
    for service, payload in ANSWER_TYPES.items():
        prefix = "ewp" if service == "ewp_gateway" else service
        assert payload.event_type == f"{prefix}.data_subject_request.phase_answered.v1"
        assert payload.producer == service
        assert EVENT_TYPES[payload.event_type] is payload
    with pytest.raises(LookupError):
        answer_type("unknown")


def test_requests_forbid_unknown_fields_and_phases() -> None:
    identity = SubjectIdentity(esis=["urn:schac:personaluniquecode:int:esi:es:1"])
    payload = DataSubjectPhaseRequested(
        request_id=uuid.uuid4(), kind="erasure", phase="locate", identity=identity, requested_by="dpo",
        services=["records"],
    )  # fmt: skip
    assert payload.event_type == "records.data_subject_request.phase_requested.v1"
    with pytest.raises(ValidationError):
        DataSubjectPhaseRequested.model_validate({**payload.model_dump(), "phase": "delete"})
    with pytest.raises(ValidationError):
        DataSubjectPhaseRequested.model_validate({**payload.model_dump(), "surprise": 1})
    assert SubjectIdentity().is_empty()
