import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from smile_common.events import EVENT_TYPES, new_envelope
from smile_common.events import envelope as envelope_module
from smile_common.events.envelope import Envelope, envelope_json
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


_texts = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    subject=st.none() | _texts,
    tenant=_texts,
    correlation=st.none() | _texts,
    title=st.dictionaries(st.sampled_from(["fr", "en", "de"]), _texts, min_size=1),
    ects=st.decimals(min_value="0.5", max_value="60", places=1),
)
def test_an_envelope_written_directly_is_the_envelope_model_s_json(
    subject: str | None, tenant: str, correlation: str | None, title: dict[str, str], ects: object
) -> None:
    # bulk writers write envelopes as JSON text directly: consumers must read exactly what the model writes
    payload = _payload().model_copy(update={"title": title, "ects": float(ects)})  # type: ignore[arg-type]
    event_id, text = envelope_json(
        payload, source="/smile/catalogue", tenant=tenant, subject=subject, correlation_id=correlation
    )
    read = Envelope.model_validate_json(text)
    made = new_envelope(payload, source="/smile/catalogue", tenant=tenant, subject=subject, correlation_id=correlation)
    assert read.id == event_id
    assert read.id != made.id
    assert abs((read.time - made.time).total_seconds()) < 5
    assert text == made.model_copy(update={"id": read.id, "time": read.time}).model_dump_json()
    assert read.payload(CoursePublished) == payload


def test_an_envelope_written_directly_at_a_whole_second() -> None:
    # no fraction of a second is written then, by the model or directly
    payload = _payload()
    with pytest.MonkeyPatch.context() as patch:
        fixed = datetime(2026, 11, 30, 8, 0, 0, tzinfo=UTC)
        patch.setattr(envelope_module, "datetime", type("_Clock", (), {"now": staticmethod(lambda tz: fixed)}))
        _, text = envelope_json(payload, source="/smile/catalogue", tenant="unicaen.fr")
    assert '"time":"2026-11-30T08:00:00Z"' in text
    assert Envelope.model_validate_json(text).time == fixed
