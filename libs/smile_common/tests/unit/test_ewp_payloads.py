from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from smile_common.events import EVENT_TYPES, new_envelope
from smile_common.events.payloads.ewp import (
    MobilityInstitution,
    NominationReceived,
    NominationStudent,
)


def _nomination(**student_extra: object) -> NominationReceived:
    return NominationReceived(
        omobility_id="c442c289-5541-4cae-9edb-8ad83e133613",
        sending_hei=MobilityInstitution(hei_id="uio.no", ounit_id="140"),
        receiving_hei=MobilityInstitution(hei_id="unicaen.fr"),
        proposal_id="AE61",
        status="pending",
        student=NominationStudent(
            given_names="Ivan",
            family_name="Sidorov",
            global_id="urn:schac:personalUniqueCode:int:esi:uio.no:1234567890",
            birth_date=date(1985, 5, 5),
            nationality="NO",
            gender=1,
            email="ivan@example.com",
            **student_extra,  # type: ignore[arg-type]
        ),
        sending_academic_term_ewp_id="2022/2023-2/2",
        receiving_academic_year_id="2022/2023",
        activity_type="student-studies",
        activity_attributes="long-term",
        agreement_isced_f_code="0421",
        eqf_level_studied_at_departure=7,
        nominee_isced_f_code="0421",
        received_at=datetime.now(UTC),
    )


def test_every_gateway_event_is_registered_with_its_producer() -> None:
    ewp_types = {k: v for k, v in EVENT_TYPES.items() if k.startswith("ewp.")}
    assert {
        "ewp.institution.updated.v1",
        "ewp.iia.received.v1",
        "ewp.iia_approval.received.v1",
        "ewp.nomination.received.v1",
        "ewp.learning_agreement.received.v1",
    } <= set(ewp_types)
    assert {cls.producer for cls in ewp_types.values()} == {"ewp_gateway"}


def test_nested_parts_refuse_unknown_fields_when_produced() -> None:
    with pytest.raises(ValidationError):
        _nomination(shoe_size=42)


def test_consumers_ignore_unknown_nested_fields() -> None:
    envelope = new_envelope(_nomination(), source="/smile/ewp-gateway", tenant="unicaen.fr")
    data = dict(envelope.data)
    data["student"] = {**data["student"], "added_later": "x"}
    read = envelope.model_copy(update={"data": data}).payload(NominationReceived)
    assert read.student.family_name == "Sidorov"
