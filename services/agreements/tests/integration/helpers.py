"""Helpers of the agreements integration tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from smile_agreements.definition import DEFINITION
from smile_common.events import Envelope
from smile_common.testing.harness import ServiceHarness

STUDENT_EMAIL = "ingrid.hansen@student.uio.no"


def nomination(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "student": {
            "given_names": "Ingrid",
            "family_name": "Hansen",
            "email": STUDENT_EMAIL,
            "birth_date": "2003-04-12",
            "citizenship": "NO",
            "gender": 2,
            "esi": "urn:schac:personalUniqueCode:int:esi:uio.no:20031204",
        },
        "sending_hei_id": "uio.no",
        "receiving_ounit_code": "ECO",
        "academic_year": "2026/2027",
        "academic_term": "2026/2027-1/2",
        "planned_arrival_date": "2026-09-01",
        "planned_departure_date": "2027-01-31",
        "eqf_level": 6,
        "isced_code": "0311",
        "language_skills": [{"language": "fr", "cefr_level": "B2"}, {"language": "en", "cefr_level": "C1"}],
    }
    body.update(overrides)
    return body


def office(h: ServiceHarness, hei: str = "unicaen.fr") -> dict[str, str]:
    return h.headers("coordinator", hei=hei, sub="office-1", email="international@unicaen.fr")


def student(h: ServiceHarness, email: str = STUDENT_EMAIL, sub: str = "student-ingrid") -> dict[str, str]:
    return h.headers("student", sub=sub, email=email)


def referent(h: ServiceHarness, *units: str) -> dict[str, str]:
    return h.headers("referent", sub=f"referent-{'-'.join(units)}", ounits=list(units), email="referent@unicaen.fr")


async def create(h: ServiceHarness, **overrides: Any) -> dict[str, Any]:
    response = await h.client.post("/mobilities", json=nomination(**overrides), headers=office(h))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def events_of(h: ServiceHarness, event_type: str) -> list[Envelope]:
    outbox = DEFINITION.tables.outbox
    async with h.runtime.database.sessionmaker() as session:
        rows = (
            await session.execute(
                sa.select(outbox.c.envelope).where(outbox.c.event_type == event_type).order_by(outbox.c.seq)
            )
        ).scalars()
        return [Envelope.model_validate(r) for r in rows]


async def wait_for(check, *, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    """Poll the async ``check`` until it returns a truthy value."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def publish(h: ServiceHarness, payload: Any, *, tenant: str = "unicaen.fr", time: Any = None) -> Envelope:
    """Put an event on the bus as its producer would (the gateway, the catalogue)."""
    from smile_common.events import new_envelope

    envelope = new_envelope(payload, source="/smile/test-producer", tenant=tenant, time=time)
    await h.runtime.bus.publish([envelope])
    return envelope


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64) + b"\xff\xd9"


async def accepted_file(h: ServiceHarness, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A nomination accepted by the office, and its freshly opened application file."""
    mobility = await create(h, **overrides)
    accepted = await h.client.post(f"/mobilities/{mobility['id']}/accept", json={}, headers=office(h))
    assert accepted.status_code == 200, accepted.text
    file = await h.client.get(f"/mobilities/{mobility['id']}/file", headers=student(h))
    assert file.status_code == 200, file.text
    return mobility, file.json()


async def upload(
    h: ServiceHarness, file_id: str, doc_type: str, content: bytes, content_type: str, name: str = "doc.pdf"
) -> Any:
    return await h.client.post(
        f"/files/{file_id}/documents",
        data={"type": doc_type},
        files={"file": (name, content, content_type)},
        headers=student(h),
    )
