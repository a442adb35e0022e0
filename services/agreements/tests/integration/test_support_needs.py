"""Support needs (disability, health): declared by the student, read only by the student and the disability
office, every read by staff audited, the content never in the audit trail, erased soon after the mobility."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from smile_agreements.db import data_protection
from smile_agreements.definition import DEFINITION
from smile_agreements.privacy import retention_rules
from smile_agreements.support.models import SupportNeed
from smile_common.dataprotection.retention import run_retention
from smile_common.db import utcnow

from .helpers import create, nomination, office, referent, student

ESI = nomination()["student"]["esi"]
NEEDS = {"categories": ["exam_arrangements", "accessible_housing"], "description": "Wheelchair user; extra time"}


def disability_office(h, hei: str = "unicaen.fr") -> dict[str, str]:  # type: ignore[no-untyped-def]
    return h.headers("disability_officer", hei=hei, sub="handicap-1")


async def _declared(h) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    mobility = await create(h)
    put = await h.client.put(f"/mobilities/{mobility['id']}/support-needs", json=NEEDS, headers=student(h))
    assert put.status_code == 200, put.text
    assert (put.json()["categories"], put.json()["version"]) == (NEEDS["categories"], 1)
    return mobility


async def _trail(h, **params: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    page = await h.client.get("/data-protection/audit", params=params, headers=h.headers("dpo", sub="dpo-1"))
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


async def test_only_the_student_and_the_disability_office_read_support_needs(make_harness) -> None:
    h = await make_harness(DEFINITION)
    mobility = await _declared(h)
    path = f"/mobilities/{mobility['id']}/support-needs"

    for staff in (office(h), referent(h, "ECO"), h.headers("admin", sub="admin-1")):
        refused = await h.client.get(path, headers=staff)
        assert refused.status_code == 403
        assert "Wheelchair" not in refused.text
    assert (await h.client.get(path, headers=student(h, email="other@uio.no", sub="other"))).status_code == 404
    elsewhere = await h.client.get(path, headers=disability_office(h, hei="univ-rennes.fr"))
    assert elsewhere.status_code == 404
    assert (await h.client.get("/support-needs", headers=office(h))).status_code == 403

    own = await h.client.get(path, headers=student(h))
    assert own.json()["description"] == NEEDS["description"]
    read = await h.client.get(path, headers=disability_office(h))
    assert read.status_code == 200
    assert read.json()["description"] == NEEDS["description"]
    [listed] = (await h.client.get("/support-needs", headers=disability_office(h))).json()
    assert (listed["student_family_name"], listed["mobility_id"], listed["categories"]) == (
        "Hansen",
        mobility["id"],
        NEEDS["categories"],
    )

    trail = await _trail(h, person=ESI, object_type="support_need")
    assert [(e["action"], e["actor_id"]) for e in trail] == [
        ("read", "handicap-1"),
        ("read", "handicap-1"),
        ("created", "student-ingrid"),
    ]  # the student reading their own declaration and the refused reads are not disclosures
    created = trail[-1]["changes"]
    assert created["description"]["after"] == created["categories"]["after"] == "***"
    assert not any("Wheelchair" in str(e) for e in await _trail(h))


async def test_the_student_changes_or_withdraws_the_declaration(make_harness) -> None:
    h = await make_harness(DEFINITION)
    mobility = await _declared(h)
    path = f"/mobilities/{mobility['id']}/support-needs"
    changed = await h.client.put(path, json={**NEEDS, "categories": ["health_care"]}, headers=student(h))
    assert (changed.json()["categories"], changed.json()["version"]) == (["health_care"], 2)
    assert (await h.client.delete(path, headers=office(h))).status_code == 403
    assert (await h.client.delete(path, headers=student(h))).status_code == 204
    assert (await h.client.get(path, headers=disability_office(h))).status_code == 404
    assert await h.count(SupportNeed.__table__) == 0
    actions = [e["action"] for e in await _trail(h, person=ESI, object_type="support_need")]
    assert actions == ["deleted", "updated", "created"]


@pytest.mark.parametrize(
    "body",
    [
        {"categories": [], "description": "x"},
        {"categories": ["telepathy"], "description": "x"},
        {"categories": ["other"], "description": ""},
        {"categories": ["other"], "description": "x" * 4001},
        {**NEEDS, "diagnosis": "not asked for"},
    ],
    ids=["no-category", "unknown-category", "empty", "too-long", "unknown-field"],
)
async def test_bad_declarations_are_refused_and_change_nothing(make_harness, body) -> None:
    h = await make_harness(DEFINITION)
    mobility = await _declared(h)
    response = await h.client.put(f"/mobilities/{mobility['id']}/support-needs", json=body, headers=student(h))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    stored = await h.client.get(f"/mobilities/{mobility['id']}/support-needs", headers=student(h))
    assert (stored.json()["description"], stored.json()["version"]) == (NEEDS["description"], 1)


async def test_support_needs_of_a_rejected_nomination_are_erased_after_90_days(make_harness) -> None:
    h = await make_harness(DEFINITION)
    mobility = await _declared(h)
    rejected = await h.client.post(
        f"/mobilities/{mobility['id']}/reject", json={"reason": "No place left in economics"}, headers=office(h)
    )
    assert rejected.status_code == 200, rejected.text
    again = await h.client.put(f"/mobilities/{mobility['id']}/support-needs", json=NEEDS, headers=student(h))
    assert again.status_code == 409
    rules = [r for r in retention_rules(h.runtime) if r.kind == "support-needs"]

    report = await run_retention(h.runtime.database, data_protection, rules, now=utcnow() + timedelta(days=80))
    assert report["rules"][0]["affected"] == {}
    report = await run_retention(h.runtime.database, data_protection, rules, now=utcnow() + timedelta(days=91))
    assert report["rules"][0]["affected"] == {"unicaen.fr": 1}
    assert await h.count(SupportNeed.__table__) == 0
    [erased] = [e for e in await _trail(h, person=ESI, object_type="support_need") if e["action"] == "erased"]
    assert (erased["actor_id"], erased["detail"]) == ("retention", "retention: support-needs (kept 90 days)")
