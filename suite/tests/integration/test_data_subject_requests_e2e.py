"""A student present in all five services asks for their data, then for its erasure: one request each,
answered service by service (on both stacks)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from smile_agreements.definition import DEFINITION as AGREEMENTS
from smile_agreements.mobilities.models import Mobility as AgreementsMobility
from smile_catalogue.baskets.models import Basket
from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.db import utcnow
from smile_ewp_gateway.db import Traffic
from smile_ewp_gateway.definition import DEFINITION as GATEWAY
from smile_ewp_gateway.privacy import TRAFFIC_KEPT
from smile_indicators.definition import DEFINITION as INDICATORS
from smile_indicators.facts.mobility import mobility_fact
from smile_indicators.projection.log import event_log
from smile_records.definition import DEFINITION as RECORDS
from smile_records.students.models import Student

from .conftest import ensure_term, eventually
from .test_basket_to_learning_agreement import NOMINATION

ESI = "urn:schac:personalUniqueCode:int:esi:uio.no:4711"
EMAIL = NOMINATION["student"]["email"]  # type: ignore[index]
FAST = {"data_subject_resend_seconds": 1.0}


async def _suite(make_harness):  # type: ignore[no-untyped-def]
    services = {}
    for definition in (CATALOGUE, AGREEMENTS, RECORDS, GATEWAY, INDICATORS):
        services[definition.name] = await make_harness(definition, **FAST)
    for harness in services.values():
        await harness.start_worker()
    return services


async def _student_everywhere(s: dict[str, Any]) -> str:
    """Ingrid, nominated and accepted (agreements → records, indicators over the bus), with support needs
    declared, a basket in the catalogue and an EWP exchange naming her in the gateway's traffic log."""
    office = s["agreements"].headers("coordinator", sub="office-1")
    nomination = {**NOMINATION, "student": {**NOMINATION["student"], "esi": ESI}}  # type: ignore[dict-item]
    created = await s["agreements"].client.post("/mobilities", json=nomination, headers=office)
    assert created.status_code == 201, created.text
    mobility_id: str = created.json()["id"]
    accepted = await s["agreements"].client.post(f"/mobilities/{mobility_id}/accept", json={}, headers=office)
    assert accepted.status_code == 200, accepted.text
    needs = {"categories": ["exam_arrangements"], "description": "Extra time at written exams"}
    as_ingrid = s["agreements"].headers("student", sub="student-ingrid", email=EMAIL)
    declared = await s["agreements"].client.put(
        f"/mobilities/{mobility_id}/support-needs", json=needs, headers=as_ingrid
    )
    assert declared.status_code == 200, declared.text
    await ensure_term(s["catalogue"])
    ingrid = s["catalogue"].headers("student", sub="student-ingrid", email=EMAIL)
    basket = await s["catalogue"].client.post(
        "/baskets", json={"term_codes": ["2026-S1"], "mobility_id": mobility_id}, headers=ingrid
    )
    assert basket.status_code == 201, basket.text
    async with s["ewp_gateway"].runtime.database.sessionmaker() as session, session.begin():
        session.add(
            Traffic(
                direction="out", local_hei_id="unicaen.fr", partner_hei_id="uio.no", api="omobilities",
                endpoint="get", method="GET", url="https://ewp.uio.no/omobilities/get", status=200, duration_ms=12.0,
                started_at=utcnow(), request_headers=[], response_headers=[], archived=False,
                response_body=f"<omobilities-get-response><global-id>{ESI}</global-id></omobilities-get-response>"
                .encode(),
            )
        )  # fmt: skip
    await eventually(lambda: _count(s["records"], Student.__table__, Student.__table__.c.esi == ESI), timeout=30)
    await eventually(lambda: _count(s["indicators"], mobility_fact, mobility_fact.c.email == EMAIL), timeout=30)
    return mobility_id


async def _count(harness, table: sa.Table, *where: Any) -> int:  # type: ignore[no-untyped-def]
    return await harness.count(table, *where)


async def _answer(records, kind: str, **identity: str) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    dpo = records.headers("dpo", sub="dpo-caen")
    filed = await records.client.post("/data-protection/requests", json={"kind": kind, **identity}, headers=dpo)
    assert filed.status_code == 202, filed.text

    async def completed() -> dict[str, Any] | None:
        state = (await records.client.get(f"/data-protection/requests/{filed.json()['id']}", headers=dpo)).json()
        return state if state["status"] == "completed" else None

    state = await eventually(completed, timeout=60)
    export = await records.client.get(f"/data-protection/requests/{filed.json()['id']}/export", headers=dpo)
    assert export.status_code == 200, export.text
    return state, export.json()


def _sections(export: dict[str, Any], service: str) -> dict[str, Any]:
    return {section["kind"]: section for section in export["services"][service]["sections"]}


async def test_access_then_erasure_for_a_student_known_to_every_service(make_harness) -> None:
    s = await _suite(make_harness)
    mobility_id = await _student_everywhere(s)

    state, export = await _answer(s["records"], "access", email=EMAIL.upper(), birth_date="2003-04-12")
    assert state["outcome"] == "completed"
    assert {p["service"] for p in state["services"]} == {
        "catalogue",
        "agreements",
        "records",
        "ewp_gateway",
        "indicators",
    }
    assert ESI.lower() in export["subject"]["esis"]
    catalogue = _sections(export, "catalogue")
    assert catalogue["baskets"]["records"][0]["student_email"] == EMAIL
    agreements = _sections(export, "agreements")
    [nomination] = agreements["nominations"]["records"]
    assert (nomination["id"], nomination["student_family_name"], nomination["status"]) == (
        mobility_id,
        "Hansen",
        "accepted",
    )
    assert agreements["support-needs"]["records"][0]["description"] == "Extra time at written exams"
    records = _sections(export, "records")
    assert records["students"]["records"][0]["esi"].lower() == ESI.lower()
    assert records["mobilities"]["records"][0]["id"] == mobility_id
    gateway = _sections(export, "ewp_gateway")
    assert gateway["ewp-traffic"]["records"][0]["partner_hei_id"] == "uio.no"
    indicators = _sections(export, "indicators")
    assert indicators["mobility-contacts"]["records"][0]["family_name"] == "Hansen"
    assert all("audit-trail" in _sections(export, name) for name in ("agreements", "records"))

    state, report = await _answer(s["records"], "erasure", esi=ESI)
    assert state["outcome"] == "completed"
    assert _sections(report, "catalogue")["baskets"]["erased"] == 1
    assert _sections(report, "agreements")["nominations"]["erased"] == 1  # accepted, but never came
    assert _sections(report, "agreements")["support-needs"]["erased"] == 1
    assert _sections(report, "records")["students"]["erased"] == 1
    assert _sections(report, "ewp_gateway")["ewp-traffic"] | {"reason": TRAFFIC_KEPT} == {
        "kind": "ewp-traffic", "title": "Exchanges with partner universities that mention you", "erased": 0,
        "anonymised": 0, "kept": 1, "reason": TRAFFIC_KEPT,
    }  # fmt: skip
    assert _sections(report, "indicators")["mobility-contacts"]["anonymised"] == 1

    # service by service, the data is gone (or anonymised, or kept as reported)
    assert await _count(s["catalogue"], Basket.__table__, Basket.__table__.c.student_email == EMAIL) == 0
    table = AgreementsMobility.__table__
    assert await _count(s["agreements"], table, table.c.id == uuid.UUID(mobility_id)) == 0
    assert await _count(s["records"], Student.__table__, Student.__table__.c.esi == ESI) == 0
    assert await _count(s["ewp_gateway"], Traffic.__table__) == 1
    fact = mobility_fact
    assert (
        await _count(s["indicators"], fact, fact.c.mobility_id == uuid.UUID(mobility_id), fact.c.email.is_(None)) == 1
    )
    async with s["indicators"].runtime.database.sessionmaker() as session:
        logged = (await session.execute(sa.select(event_log.c.event_type, sa.cast(event_log.c.data, sa.Text)))).all()
    assert logged
    assert not any(EMAIL in text or "Hansen" in text for _, text in logged)

    # an access request now finds only what was kept, and the trail of the requests
    state, export = await _answer(s["records"], "access", esi=ESI)
    assert set(_sections(export, "ewp_gateway")) == {"ewp-traffic", "audit-trail"}
    assert "baskets" not in _sections(export, "catalogue")
