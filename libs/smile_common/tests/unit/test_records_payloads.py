import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from smile_common.events import EVENT_TYPES, new_envelope
from smile_common.events.payloads.records import SurveyCompleted, TranscriptComponent, TranscriptIssued


def test_every_records_event_is_registered_under_the_records_names() -> None:
    # (records also hosts the data-subject request events of smile_common.events.payloads.privacy)
    names = {t for t, model in EVENT_TYPES.items() if model.producer == "records" and ".data_subject_request." not in t}
    assert names == {
        "records.student.registered.v1",
        "records.esi.assigned.v1",
        "records.enrolment.completed.v1",
        "records.enrolment.failed.v1",
        "records.result.recorded.v1",
        "records.transcript.issued.v1",
        "records.survey.completed.v1",
    }


def test_a_transcript_event_round_trips_with_decimal_credits() -> None:
    issued = TranscriptIssued(
        transcript_id=uuid.uuid4(),
        version=2,
        mobility_id=uuid.uuid4(),
        omobility_id="c442c289",
        student_id=uuid.uuid4(),
        sending_hei_id="uni-koeln.de",
        receiving_hei_id="unicaen.fr",
        receiving_academic_year_id="2026/2027",
        components=[
            TranscriptComponent(
                course_code="DRT-EU-101", title="EU law", credits=Decimal("6"), grade="14.5", passed=True
            )
        ],
        ects_attempted=Decimal(6),
        ects_obtained=Decimal(6),
        correction_reason="grade typo",
        issued_by="registrar-1",
        issued_at=datetime.now(UTC),
    )
    envelope = new_envelope(issued, source="/smile/records", tenant="unicaen.fr")
    back = envelope.payload(TranscriptIssued)
    assert back == issued
    assert back.components[0].credits == Decimal(6)


def test_producers_cannot_send_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        SurveyCompleted(
            response_id=uuid.uuid4(),
            questionnaire_id=uuid.uuid4(),
            anonymous=True,
            completed_at=datetime.now(UTC),
            student_name="leak",  # type: ignore[call-arg]
        )
