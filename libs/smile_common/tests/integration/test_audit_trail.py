"""The audit trail: every change to a business object is recorded with who, when, what and from where."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from smile_common.events import new_envelope

from .sample import DEFINITION, ApplicantFlagged, data_protection

ALICE = {
    "esi": "urn:schac:personalUniqueCode:int:esi:es:12345678A",
    "email": "alice@uni-example.es",
    "birth_date": "2003-04-05",
    "name": "Alice Martín",
    "health_notes": "needs a ground-floor room",
}


async def _entries(service, **params):  # type: ignore[no-untyped-def]
    response = await service.client.get("/data-protection/audit", params=params, headers=service.headers("dpo"))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _create(service, body=ALICE, **headers):  # type: ignore[no-untyped-def]
    response = await service.client.post(
        "/applicants", json=body, headers={**service.headers("coordinator", sub="coord-1"), **headers}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_changes_are_recorded_with_actor_diff_and_correlation_id(make_harness) -> None:
    service = await make_harness(DEFINITION)
    applicant_id = await _create(service, **{"X-Correlation-Id": "req-create-1"})
    patch = await service.client.patch(
        f"/applicants/{applicant_id}",
        json={"name": "Alice Martín García", "health_notes": "wheelchair access"},
        headers={**service.headers("coordinator", sub="coord-2"), "X-Correlation-Id": "req-patch-1"},
    )
    assert patch.status_code == 200
    accepted = await service.client.patch(
        f"/applicants/{applicant_id}", json={"status": "accepted"}, headers=service.headers("coordinator")
    )
    assert accepted.status_code == 200

    entries = await _entries(service, object_type="applicant", object_id=applicant_id)
    assert [e["action"] for e in entries] == ["accepted", "updated", "created"]  # newest first
    created, updated, decision = entries[2], entries[1], entries[0]
    assert created["actor_type"] == "user"
    assert created["actor_id"] == "coord-1"
    assert created["actor_roles"] == "coordinator"
    assert created["correlation_id"] == "req-create-1"
    assert created["person"] == ALICE["esi"].lower()
    assert created["changes"]["email"] == {"after": "alice@uni-example.es"}
    # health information never appears in the trail, only the fact that it changed
    assert created["changes"]["health_notes"] == {"after": "***"}
    assert updated["actor_id"] == "coord-2"
    assert updated["correlation_id"] == "req-patch-1"
    assert updated["changes"] == {
        "name": {"before": "Alice Martín", "after": "Alice Martín García"},
        "health_notes": {"before": "***", "after": "***"},
    }
    assert decision["changes"] == {"status": {"before": "nominated", "after": "accepted"}}
    assert decision["detail"] == "nomination accepted"


async def test_deletions_and_sensitive_reads_are_recorded_and_queryable_by_person(make_harness) -> None:
    service = await make_harness(DEFINITION)
    applicant_id = await _create(service)
    other = await _create(service, {**ALICE, "esi": None, "email": "bob@uni-example.de", "name": "Bob"})
    read = await service.client.get(f"/applicants/{applicant_id}/health", headers=service.headers("coordinator"))
    assert read.json() == {"health_notes": "needs a ground-floor room"}
    deleted = await service.client.delete(f"/applicants/{applicant_id}", headers=service.headers("coordinator"))
    assert deleted.status_code == 204

    alice = await _entries(service, person=ALICE["esi"].upper())
    assert [e["action"] for e in alice] == ["deleted", "read", "created"]
    assert alice[1]["changes"] == {"fields": ["health_notes"]}
    assert alice[0]["changes"]["name"] == {"before": "Alice Martín"}
    bob = await _entries(service, person="bob@uni-example.de")
    assert [(e["action"], e["object_id"]) for e in bob] == [("created", other)]


async def test_the_trail_is_read_only_and_scoped(make_harness) -> None:
    service = await make_harness(DEFINITION)
    applicant_id = await _create(service)
    entry_id = (await _entries(service))[0]["id"]
    for method in ("PUT", "PATCH", "DELETE"):
        response = await service.client.request(
            method, f"/data-protection/audit/{entry_id}", headers=service.headers("admin")
        )
        assert response.status_code in (404, 405)
        listing = await service.client.request(method, "/data-protection/audit", headers=service.headers("admin"))
        assert listing.status_code == 405
    assert (
        await service.client.get("/data-protection/audit", headers=service.headers("coordinator"))
    ).status_code == 403
    assert (await service.client.get("/data-protection/audit")).status_code == 401
    foreign = await service.client.get("/data-protection/audit", headers=service.headers("dpo", hei="univ-rennes.fr"))
    assert foreign.json()["items"] == []
    assert await service.count(data_protection.audit, data_protection.audit.c.object_id == applicant_id) == 1


async def test_the_database_refuses_to_rewrite_the_trail(make_harness, smile_stack) -> None:
    service = await make_harness(DEFINITION)
    await _create(service)
    audit = data_protection.audit
    with pytest.raises(DBAPIError, match="append-only"):
        async with service.runtime.database.sessionmaker() as session, session.begin():
            await session.execute(sa.update(audit).values(actor_id="someone-else"))
    if smile_stack.is_infra:
        with pytest.raises(DBAPIError, match="append-only"):
            async with service.runtime.database.sessionmaker() as session, session.begin():
                await session.execute(sa.delete(audit))
    assert await service.count(audit, audit.c.actor_id == "coord-1") == 1


async def test_export_as_ndjson_and_csv_is_itself_audited(make_harness) -> None:
    service = await make_harness(DEFINITION)
    await _create(service)
    await _create(service, {**ALICE, "esi": None, "email": "=cmd|' /C calc'!A0@evil.example", "name": "=HYPERLINK()"})
    ndjson = await service.client.get(
        "/data-protection/audit/export", params={"action": "created"}, headers=service.headers("dpo", sub="the-dpo")
    )
    assert ndjson.status_code == 200
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in ndjson.text.splitlines()]
    assert [line["action"] for line in lines] == ["created", "created"]
    assert lines[0]["person"] == ALICE["esi"].lower()

    csv_export = await service.client.get(
        "/data-protection/audit/export", params={"format": "csv", "action": "created"}, headers=service.headers("dpo")
    )
    rows = csv_export.text.splitlines()
    assert rows[0].startswith("id,occurred_at,actor_type,actor_id")
    assert len(rows) == 3
    assert "'=cmd" in rows[2]  # a spreadsheet will not run it as a formula

    exports = await _entries(service, action="exported")
    assert len(exports) == 2
    assert exports[-1]["actor_id"] == "the-dpo"
    assert json.loads(exports[-1]["detail"]) == {"action": "created"}


async def test_changes_made_by_events_name_the_event_and_the_partner(make_harness) -> None:
    service = await make_harness(DEFINITION)
    first, second = await _create(service), await _create(service, {**ALICE, "email": "b@x.org", "esi": None})
    [consumer] = [c for c in service.runtime.consumers() if c.name == "sample.flagger"]
    by_service = new_envelope(
        ApplicantFlagged(applicant_id=uuid.UUID(first)),
        source="/smile/agreements",
        tenant="unicaen.fr",
        correlation_id="corr-from-upstream",
    )
    by_partner = new_envelope(
        ApplicantFlagged(applicant_id=uuid.UUID(second), partner_hei="UNI-EXAMPLE.ES"),
        source="/smile/ewp-gateway",
        tenant="unicaen.fr",
    )
    await consumer.handle(by_service)
    await consumer.handle(by_partner)
    await consumer.handle(by_partner)  # redelivered: applied once, audited once

    [flagged] = await _entries(service, object_id=first, action="updated")
    assert (flagged["actor_type"], flagged["actor_id"]) == ("service", "agreements")
    assert flagged["event_id"] == by_service.id
    assert flagged["correlation_id"] == "corr-from-upstream"
    [by_hei] = await _entries(service, object_id=second, action="updated")
    assert (by_hei["actor_type"], by_hei["actor_id"]) == ("partner", "uni-example.es")
    assert by_hei["event_id"] == by_partner.id
