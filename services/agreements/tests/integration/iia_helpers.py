"""Helpers of the IIA integration tests: bodies, a fake EWP gateway built from the v7 rules."""

from __future__ import annotations

import asyncio
import copy as _copy
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from smile_agreements.definition import DEFINITION
from smile_agreements.iias.content import IiaContent
from smile_agreements.iias.ewpxml import render_iia
from smile_common.events import Envelope, new_envelope
from smile_common.events.envelope import EventPayload
from smile_common.events.payloads import ewp
from smile_common.testing.harness import ServiceHarness

HEI = "unicaen.fr"
GRAZ = "uni-graz.at"


def office(h: ServiceHarness, hei: str = HEI) -> dict[str, str]:
    return h.headers("coordinator", hei=hei, sub="iro-marie", email="international@unicaen.fr")


def machine(h: ServiceHarness, hei: str = HEI) -> dict[str, str]:
    return {**h.headers("service", hei="*", sub="service:ewp-gateway"), "X-Smile-Tenant": hei}


def condition(direction: str = "incoming", **overrides: Any) -> dict[str, Any]:
    sending, receiving = (GRAZ, HEI) if direction == "incoming" else (HEI, GRAZ)
    body: dict[str, Any] = {
        "type": "student_studies",
        "sending_hei_id": sending,
        "receiving_hei_id": receiving,
        "receiving_first_academic_year_id": "2026/2027",
        "receiving_last_academic_year_id": "2028/2029",
        "mobilities_per_year": 2,
        "recommended_language_skills": [{"language": "fr" if direction == "incoming" else "de", "cefr_level": "B2"}],
        "subject_areas": [{"isced_f_code": "0421", "isced_clarification": "European law"}],
        "total_months_per_year": 10,
        "blended": False,
        "eqf_levels": [6, 7],
    }
    body.update(overrides)
    return body


def iia_body(code: str = "UNICAEN-GRAZ-2026", partner: str = GRAZ, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partners": [
            {
                "hei_id": HEI,
                "iia_code": code,
                "signing_contact": {"name": "Lamri Adoui", "role_description": "President"},
                "contacts": [{"name": "Bureau des relations internationales", "emails": ["international@unicaen.fr"]}],
            },
            {"hei_id": partner, "contacts": [{"name": "Office of International Relations"}]},
        ],
        "cooperation_conditions": [condition("incoming"), condition("outgoing")],
    }
    body.update(overrides)
    return body


async def add_partner(h: ServiceHarness, hei_id: str = GRAZ, **fields: Any) -> dict[str, Any]:
    names = {"en": "University of Graz", "de": "Universität Graz"}
    body = {"hei_id": hei_id, "names": names, "country": "AT", **fields}
    response = await h.client.post("/partners", json=body, headers=office(h))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def create_iia(h: ServiceHarness, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await h.client.post("/iias", json=body or iia_body(), headers=office(h))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def share(h: ServiceHarness, iia: dict[str, Any]) -> dict[str, Any]:
    response = await h.client.post(f"/iias/{iia['id']}/share", json={"version": iia["version"]}, headers=office(h))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def get_iia(h: ServiceHarness, iia_id: str) -> dict[str, Any]:
    response = await h.client.get(f"/iias/{iia_id}", headers=office(h))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- a fake partner, computing its copy and its hash as an EWP node would ----------------------------

_clock = datetime(2026, 11, 1, tzinfo=UTC)


def tick() -> datetime:
    global _clock
    _clock += timedelta(minutes=1)
    return _clock


def partner_content(ours: dict[str, Any], partner_iia_id: str, *, mapped: bool = True) -> dict[str, Any]:
    """The partner's copy of our IIA: the same conditions, partners swapped, its own id first."""
    local, partner = _copy.deepcopy(ours["partners"])
    partner["iia_id"], partner["iia_code"] = partner_iia_id, f"GRAZ/{partner_iia_id}"
    local["iia_id"] = ours["id"] if mapped else None
    conditions = [{k: v for k, v in c.items() if k != "id"} for c in _copy.deepcopy(ours["cooperation_conditions"])]
    return {"partners": [partner, local], "in_effect": False, "cooperation_conditions": conditions}


def received(content: dict[str, Any], **overrides: Any) -> ewp.IiaReceived:
    """What the gateway emits for a partner copy (hash computed on the v7 XML the partner serves)."""
    model = IiaContent.model_validate(content)
    _, digest = render_iia(model)
    partners = [p.model_dump(mode="json", exclude_none=True) for p in model.partners]
    specs = []
    for c in model.cooperation_conditions:
        excluded = {"id", "type", "mobilities_per_year_not_yet_defined"}
        data = c.model_dump(mode="json", exclude=excluded, exclude_none=True)
        data["kind"] = c.type.value.replace("_", "-")
        data["mobilities_per_year"] = c.mobilities_per_year
        for field in ("total_months_per_year", "total_days_per_year"):
            if field in data:
                data[field] = float(data[field])
        for skill in data.get("recommended_language_skills", []):
            skill.setdefault("not_yet_defined", False)
        for area in data.get("subject_areas", []):
            area.pop("v6_value", None)
        specs.append(data)
    fields: dict[str, Any] = {
        "partner_hei_id": model.partners[0].hei_id,
        "partner_iia_id": model.partners[0].iia_id,
        "partner_iia_code": model.partners[0].iia_code,
        "local_hei_id": model.partners[1].hei_id,
        "local_iia_id": model.partners[1].iia_id,
        "partners": partners,
        "in_effect": model.in_effect,
        "terminated_as_a_whole": model.terminated_as_a_whole,
        "cooperation_conditions": specs,
        "iia_hash": digest.iia_hash,
        "hash_verified": True,
        "valid_for_approval": digest.valid_for_approval,
        "received_at": tick(),
    }
    fields.update(overrides)
    return ewp.IiaReceived.model_validate(fields)


async def post_copy(h: ServiceHarness, payload: ewp.IiaReceived) -> None:
    response = await h.client.post(
        "/internal/ewp/iias/partner-copies", json=payload.model_dump(mode="json"), headers=machine(h)
    )
    assert response.status_code == 202, response.text


async def post_partner_approval(h: ServiceHarness, iia: dict[str, Any], approved_hash: str | None = None) -> None:
    payload = ewp.IiaApprovalReceived(
        partner_hei_id=iia["partner_hei_id"],
        local_hei_id=HEI,
        local_iia_id=iia["id"],
        approved_hash=approved_hash or iia["iia_hash"],
        matches_current=True,
        received_at=tick(),
    )
    response = await h.client.post(
        "/internal/ewp/iias/partner-approvals", json=payload.model_dump(mode="json"), headers=machine(h)
    )
    assert response.status_code == 202, response.text


async def publish(h: ServiceHarness, payload: EventPayload, tenant: str = HEI) -> Envelope:
    """Put an event on the bus as the gateway would, and wait until the agreements consumer applied it."""
    envelope = new_envelope(payload, source="/smile/ewp-gateway", tenant=tenant)
    await h.runtime.bus.publish([envelope])
    inbox = DEFINITION.tables.inbox
    for _ in range(400):
        if await h.count(inbox, inbox.c.event_id == envelope.id):
            return envelope
        await asyncio.sleep(0.05)
    raise AssertionError(f"{payload.event_type} was not consumed")


async def events_of(h: ServiceHarness, event_type: str) -> list[Envelope]:
    outbox = DEFINITION.tables.outbox
    async with h.runtime.database.sessionmaker() as session:
        rows = (
            await session.execute(
                sa.select(outbox.c.envelope).where(outbox.c.event_type == event_type).order_by(outbox.c.seq)
            )
        ).scalars()
        return [Envelope.model_validate(r) for r in rows]
