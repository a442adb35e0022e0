"""Helpers of the records integration tests: agreements' events as the agreements service sends them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from smile_common.events import Envelope, EventPayload, RabbitMQBus, new_envelope
from smile_common.events.payloads.mobility import (
    LaComponent,
    LaSignature,
    LearningAgreementApproved,
    MobilityAccepted,
    MobilityStudent,
)
from smile_common.testing.harness import ServiceHarness
from smile_records.definition import DEFINITION
from smile_records.sis import sis_registry
from smile_sis import InMemorySIS

HEI = "unicaen.fr"
ESI = "urn:schac:personalUniqueCode:int:esi:uni-koeln.de:7654321"
FAST = {"enrolment_poll_seconds": 0.05, "enrolment_retry_seconds": 0.05, "outbox_poll_seconds": 0.05}


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    pytest.fail(f"condition not met within {timeout}s (last value: {last!r})")


async def records_service(make_harness: Any, **overrides: Any) -> ServiceHarness:
    """The records service with its worker (consumers + SIS loop) running."""
    harness: ServiceHarness = await make_harness(DEFINITION, **{**FAST, **overrides})
    await harness.start_worker()
    if isinstance(harness.runtime.bus, RabbitMQBus):
        await asyncio.sleep(0.2)
    return harness


def sis_of(harness: ServiceHarness, hei: str = HEI) -> InMemorySIS:
    sis = sis_registry(harness.runtime).for_tenant(hei)
    assert isinstance(sis, InMemorySIS)
    return sis


def student(**over: Any) -> MobilityStudent:
    values: dict[str, Any] = {
        "given_names": "Anna",
        "family_name": "Müller",
        "email": "anna.mueller@smail.uni-koeln.de",
        "birth_date": date(2003, 4, 2),
        "citizenship": "DE",
        "gender": 2,
        "esi": ESI,
    }
    values.update(over)
    return MobilityStudent(**values)


def accepted(mobility_id: uuid.UUID, **over: Any) -> MobilityAccepted:
    values: dict[str, Any] = {
        "mobility_id": mobility_id,
        "omobility_id": f"om-{mobility_id.hex[:8]}",
        "source": "ewp",
        "status": "accepted",
        "sending_hei_id": "uni-koeln.de",
        "receiving_hei_id": HEI,
        "receiving_ounit_code": "DROIT",
        "academic_year": "2026/2027",
        "academic_term": "2026/2027-1/2",
        "planned_arrival_date": date(2026, 9, 1),
        "planned_departure_date": date(2027, 1, 31),
        "eqf_level": 6,
        "isced_code": "0421",
        "student": student(),
        "changed_by": "office-1",
        "changed_at": datetime.now(UTC),
    }
    values.update(over)
    return MobilityAccepted(**values)


def approved(mobility_id: uuid.UUID, codes: list[str], *, version: int = 1) -> LearningAgreementApproved:
    return LearningAgreementApproved(
        learning_agreement_id=uuid.uuid5(uuid.NAMESPACE_URL, str(mobility_id)),
        mobility_id=mobility_id,
        omobility_id=f"om-{mobility_id.hex[:8]}",
        sending_hei_id="uni-koeln.de",
        receiving_hei_id=HEI,
        source="ewp",
        version=version,
        kind="first_version" if version == 1 else "changes",
        proposal_id=f"p{version}",
        changed_by="referent-1",
        changed_at=datetime.now(UTC),
        components=[
            *(LaComponent(table="studied", code=c, title=c, term="2026/2027-1/2", credits=Decimal(5)) for c in codes),
            LaComponent(table="recognized", code="HOME-1", title="Home course", credits=Decimal(5)),
        ],
        receiving_signature=LaSignature(signer_name="R. Ferent", timestamp=datetime.now(UTC)),
    )


async def publish(
    harness: ServiceHarness, payload: EventPayload, *, hei: str = HEI, time: datetime | None = None
) -> Envelope:
    envelope = new_envelope(payload, source="/smile/agreements", tenant=hei, time=time)
    await harness.runtime.bus.publish([envelope])
    return envelope


async def events(harness: ServiceHarness, event_type: str) -> list[dict[str, Any]]:
    outbox = DEFINITION.tables.outbox
    async with harness.runtime.database.sessionmaker() as session:
        rows = await session.execute(
            sa.select(outbox.c.envelope).where(outbox.c.event_type == event_type).order_by(outbox.c.seq)
        )
        return [Envelope.model_validate(r).data for r in rows.scalars()]


def staff(harness: ServiceHarness, role: str = "registrar", hei: str = HEI) -> dict[str, str]:
    return harness.headers(role, hei=hei, sub=f"{role}-1")


async def enrolment_of(harness: ServiceHarness, mobility_id: uuid.UUID) -> dict[str, Any] | None:
    response = await harness.client.get(f"/mobilities/{mobility_id}/enrolment", headers=staff(harness))
    return response.json() if response.status_code == 200 else None


async def enrolment_in(harness: ServiceHarness, mobility_id: uuid.UUID, state: str) -> dict[str, Any] | None:
    found = await enrolment_of(harness, mobility_id)
    return found if found and found["state"] == state else None


def course_published(code: str, *, isced: str | None = "0421", eqf: int | None = 6, ects: float = 5.0) -> Any:
    from smile_common.events.payloads.catalogue import CoursePublished

    return CoursePublished(
        course_id=uuid.uuid5(uuid.NAMESPACE_DNS, code),
        code=code,
        title={"fr": f"Cours {code}", "en": f"Course {code}"},
        ects=ects,
        isced_code=isced,
        eqf_level=eqf,
        term_codes=["2026-S1"],
        changed_by="editor",
        changed_at=datetime.now(UTC),
    )


async def enrolled_mobility(harness: ServiceHarness, codes: list[str], **over: Any) -> uuid.UUID:
    """A mobility accepted, its LA approved and the student enrolled in the SIS."""
    mobility = uuid.uuid4()
    await publish(harness, accepted(mobility, **over))
    await publish(harness, approved(mobility, codes))
    await eventually(lambda: enrolment_in(harness, mobility, "done"))
    return mobility


def ewp_specs() -> Any:
    """The official EWP/ELMO schemas with their offline catalog, as vendored in the repository (specs/ewp)."""
    from pathlib import Path

    for parent in Path(__file__).resolve().parents:
        candidate = parent / "specs" / "ewp"
        if (candidate / "catalog.xml").is_file():
            return candidate
    raise FileNotFoundError("specs/ewp/catalog.xml not found in the repository")


async def results_for_all(harness: ServiceHarness, mobility: uuid.UUID, grades: dict[str, str]) -> None:
    for code, grade in grades.items():
        scale = "pass-fail" if grade in ("P", "F") else "fr-0-20"
        response = await harness.client.put(
            f"/mobilities/{mobility}/results/{code}",
            json={"grade": grade, "grading_scale": scale, "result_date": "2027-01-22"},
            headers=staff(harness),
        )
        assert response.status_code == 200, response.text
