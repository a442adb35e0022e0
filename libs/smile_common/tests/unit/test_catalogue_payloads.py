import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from smile_common.events import EVENT_TYPES, new_envelope
from smile_common.events.payloads.catalogue import BasketCourse, BasketSubmitted, loi_id, los_id

COURSE_ID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")


def _course(**changes: object) -> BasketCourse:
    values: dict[str, object] = {
        "course_id": COURSE_ID,
        "los_id": los_id(COURSE_ID),
        "loi_id": loi_id(COURSE_ID, "2026-S1"),
        "code": "DRT-EU-101",
        "title": {"fr": "Droit de l'Union européenne", "en": "European Union law"},
        "ects": 6,
        "term_code": "2026-S1",
    }
    values.update(changes)
    return BasketCourse.model_validate(values)


def test_ewp_ids_are_stable_and_fit_the_ewp_length() -> None:
    assert los_id(COURSE_ID) == "CR/0f8fad5b-d9cb-469f-a165-70867728950e"
    first = loi_id(COURSE_ID, "2026-S1")
    assert first == loi_id(COURSE_ID, "2026-S1")
    assert first != loi_id(COURSE_ID, "2026-S2")
    assert first.startswith("CRI/")
    assert len(first.removeprefix("CRI/")) <= 40


def test_basket_submitted_travels_as_an_event() -> None:
    payload = BasketSubmitted(
        basket_id=uuid.uuid4(),
        submission=1,
        student_subject="student-1",
        term_codes=["2026-S1"],
        courses=[_course()],
        total_ects=6,
        submitted_at=datetime.now(UTC),
    )
    envelope = new_envelope(payload, source="/smile/catalogue", tenant="unicaen.fr")
    assert envelope.type == "catalogue.basket.submitted.v1"
    assert EVENT_TYPES[envelope.type] is BasketSubmitted
    read = envelope.payload(BasketSubmitted)
    assert read.courses[0].loi_id == loi_id(COURSE_ID, "2026-S1")


def test_an_empty_basket_or_a_course_without_credits_cannot_be_sent() -> None:
    with pytest.raises(ValidationError):
        BasketSubmitted(
            basket_id=uuid.uuid4(),
            submission=1,
            student_subject="s",
            term_codes=[],
            courses=[],
            total_ects=0,
            submitted_at=datetime.now(UTC),
        )
    with pytest.raises(ValidationError):
        _course(ects=0)
