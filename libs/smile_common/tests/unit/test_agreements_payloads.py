import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from smile_common.events import EVENT_TYPES, new_envelope
from smile_common.events.payloads.agreements import (
    CooperationConditionSummary,
    IiaApproved,
    IiaStatus,
    IiaUpdated,
    LanguageSkillSummary,
)

HASH = "e950faa83a799cf45839e7915db88ed51575babe7845c1219dfde54ce30a61e4"


def _fields(**extra: object) -> dict[str, object]:
    return {
        "iia_id": uuid.uuid4(),
        "iia_code": "UNICAEN-2026-001",
        "version": 3,
        "status": IiaStatus.APPROVED_BY_US,
        "shared": True,
        "in_effect": False,
        "local_hei_id": "unicaen.fr",
        "partner_hei_id": "uni-graz.at",
        "partner_iia_id": "graz-iia-2024-17",
        "iia_hash": HASH,
        "approved_by_us": True,
        "approved_by_partner": False,
        "conditions": [
            CooperationConditionSummary(
                cooperation_condition_id=uuid.uuid4(),
                type="student_studies",
                direction="incoming",
                sending_hei_id="uni-graz.at",
                receiving_hei_id="unicaen.fr",
                first_academic_year="2026/2027",
                last_academic_year="2028/2029",
                mobilities_per_year=4,
                isced_f_codes=["0421"],
                language_skills=[LanguageSkillSummary(language="fr", cefr_level="B2")],
            )
        ],
        "changed_by": "coordinator-1",
        "changed_at": datetime.now(UTC),
        **extra,
    }


def test_every_iia_event_is_registered_under_the_agreements_names() -> None:
    names = {t for t, model in EVENT_TYPES.items() if model.producer == "agreements"}
    for action in ("created", "updated", "approved", "partner_approved", "terminated", "deleted"):
        assert f"agreements.iia.{action}.v1" in names
    assert {"agreements.partner.created.v1", "agreements.partner.updated.v1"} <= names


def test_approval_round_trips_through_an_envelope() -> None:
    payload = IiaApproved.model_validate(
        _fields(approval_id=uuid.uuid4(), approved_hash=HASH, approved_by="c1", approved_at=datetime.now(UTC))
    )
    envelope = new_envelope(payload, source="/smile/agreements", tenant="unicaen.fr")
    assert envelope.type == "agreements.iia.approved.v1"
    back = envelope.payload(IiaApproved)
    assert back == payload
    assert back.conditions[0].type == "student_studies"


def test_producers_cannot_send_unknown_fields_or_malformed_hashes() -> None:
    with pytest.raises(ValidationError):
        IiaUpdated.model_validate(_fields(hash_changed=True, typo=1))
    with pytest.raises(ValidationError):
        IiaUpdated.model_validate(_fields(hash_changed=True, iia_hash="ABC"))
    with pytest.raises(ValidationError):
        CooperationConditionSummary(
            cooperation_condition_id=uuid.uuid4(),
            type="staff_teacher",
            direction="outgoing",
            sending_hei_id="a",
            receiving_hei_id="b",
            first_academic_year="2026-2027",
            last_academic_year="2027/2028",
        )


def test_consumers_ignore_fields_they_do_not_know() -> None:
    payload = IiaUpdated.model_validate(_fields(hash_changed=False))
    envelope = new_envelope(payload, source="/smile/agreements", tenant="unicaen.fr")
    data = {**envelope.data, "added_later": "x"}
    assert envelope.model_copy(update={"data": data}).payload(IiaUpdated).iia_code == "UNICAEN-2026-001"
