import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from smile_common.events import EVENT_TYPES, new_envelope
from smile_common.events.payloads.catalogue import CoursePublished


def _payload(**extra: object) -> CoursePublished:
    return CoursePublished(
        course_id=uuid.uuid4(),
        code="DRT-101",
        title={"fr": "Droit", "en": "Law"},
        ects=6,
        changed_by="u1",
        changed_at=datetime.now(UTC),
        **extra,  # type: ignore[arg-type]
    )


def test_producers_cannot_send_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        _payload(typo_field=1)


def test_consumers_ignore_fields_they_do_not_know() -> None:
    envelope = new_envelope(_payload(), source="/smile/catalogue", tenant="unicaen.fr")
    data = {**envelope.data, "added_in_a_later_version": True}
    read = envelope.model_copy(update={"data": data}).payload(CoursePublished)
    assert read.code == "DRT-101"


def test_envelope_carries_cloudevents_attributes_and_tenant() -> None:
    envelope = new_envelope(_payload(), source="/smile/catalogue", tenant="unicaen.fr", correlation_id="c1")
    assert envelope.type == "catalogue.course.published.v1"
    assert envelope.specversion == "1.0"
    assert envelope.tenant == "unicaen.fr"
    assert envelope.correlationid == "c1"
    assert uuid.UUID(envelope.id)
    assert EVENT_TYPES["catalogue.course.published.v1"] is CoursePublished
