import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from smile_common.events import EVENT_TYPES, new_envelope
from smile_common.events.payloads.mobility import (
    LaComponent,
    LaSignature,
    LearningAgreementApproved,
    MobilityNominated,
    MobilityRejected,
    MobilityStudent,
)


def _nominated(**extra: object) -> MobilityNominated:
    return MobilityNominated(
        mobility_id=uuid.uuid4(),
        omobility_id="c442c289-5541-4cae-9edb-8ad83e133613",
        proposal_id="AE61",
        source="ewp",
        status="nominated",
        sending_hei_id="uio.no",
        receiving_hei_id="unicaen.fr",
        academic_year="2026/2027",
        academic_term="2026/2027-1/2",
        planned_arrival_date=date(2026, 9, 1),
        student=MobilityStudent(
            given_names="Ivan", family_name="Sidorov", esi="urn:schac:personalUniqueCode:int:esi:uio.no:1"
        ),
        changed_by="u1",
        changed_at=datetime.now(UTC),
        **extra,  # type: ignore[arg-type]
    )


def test_every_mobility_event_is_registered_under_the_agreements_names() -> None:
    names = {t for t, model in EVENT_TYPES.items() if model.producer == "agreements"}
    for expected in (
        "agreements.mobility.nominated.v1",
        "agreements.mobility.accepted.v1",
        "agreements.mobility.rejected.v1",
        "agreements.mobility.cancelled.v1",
        "agreements.mobility.arrived.v1",
        "agreements.mobility.departed.v1",
        "agreements.learning_agreement.proposed.v1",
        "agreements.learning_agreement.approved.v1",
        "agreements.learning_agreement.rejected.v1",
        "agreements.learning_agreement.changed.v1",
        "agreements.file.step_changed.v1",
        "agreements.notification.requested.v1",
    ):
        assert expected in names


def test_nomination_round_trips_through_an_envelope() -> None:
    envelope = new_envelope(_nominated(), source="/smile/agreements", tenant="unicaen.fr")
    read = envelope.payload(MobilityNominated)
    assert read.student.esi == "urn:schac:personalUniqueCode:int:esi:uio.no:1"
    assert read.planned_arrival_date == date(2026, 9, 1)


def test_a_rejection_needs_its_reason_and_typos_are_refused() -> None:
    base = _nominated().model_dump()
    base["status"] = "rejected"
    with pytest.raises(ValidationError):
        MobilityRejected(**base)
    with pytest.raises(ValidationError):
        _nominated(statuss="x")


def test_approved_la_carries_components_and_receiving_signature() -> None:
    event = LearningAgreementApproved(
        learning_agreement_id=uuid.uuid4(),
        mobility_id=uuid.uuid4(),
        sending_hei_id="uio.no",
        receiving_hei_id="unicaen.fr",
        source="ewp",
        version=1,
        kind="first_version",
        proposal_id="p1",
        components=[LaComponent(table="studied", title="Macroeconomics", credits=Decimal(6), code="ECO-MAC-110")],
        receiving_signature=LaSignature(signer_name="A B", timestamp=datetime.now(UTC)),
        changed_by="u1",
        changed_at=datetime.now(UTC),
    )
    data = new_envelope(event, source="/s", tenant="unicaen.fr").data
    assert data["components"][0]["credits"] == "6"
    assert data["receiving_signature"]["signer_app"] == "SMILE"
