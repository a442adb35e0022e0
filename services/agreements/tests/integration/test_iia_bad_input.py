"""Bad input is refused with a clear problem document, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from smile_agreements.definition import DEFINITION
from smile_agreements.iias.models import Iia

from .iia_helpers import GRAZ, HEI, add_partner, condition, create_iia, iia_body, office

CASES: list[tuple[str, Any, int, str]] = [
    ("unknown partner", lambda b: _partner(b, "unknown.example.org"), 422, "unknown-partner"),
    (
        "local university not first",
        lambda b: b.update(partners=list(reversed(b["partners"]))),
        422,
        "local-partner-first",
    ),
    ("ISCED code of 3 digits", lambda b: _cond(b, subject_areas=[{"isced_f_code": "042"}]), 422, "validation-error"),
    ("ISCED code with letters", lambda b: _cond(b, subject_areas=[{"isced_f_code": "04a1"}]), 422, "validation-error"),
    (
        "CEFR level that does not exist",
        lambda b: _cond(b, recommended_language_skills=[{"language": "fr", "cefr_level": "D1"}]),
        422,
        "validation-error",
    ),
    (
        "CEFR level written B2+",
        lambda b: _cond(b, recommended_language_skills=[{"language": "fr", "cefr_level": "B2+"}]),
        422,
        "validation-error",
    ),
    ("negative mobilities", lambda b: _cond(b, mobilities_per_year=-2), 422, "validation-error"),
    ("zero mobilities", lambda b: _cond(b, mobilities_per_year=0), 422, "validation-error"),
    ("negative months", lambda b: _cond(b, total_months_per_year=-5), 422, "validation-error"),
    (
        "inverted academic years",
        lambda b: _cond(b, receiving_first_academic_year_id="2028/2029", receiving_last_academic_year_id="2026/2027"),
        422,
        "validation-error",
    ),
    (
        "academic year that does not exist",
        lambda b: _cond(b, receiving_first_academic_year_id="2026/2028"),
        422,
        "validation-error",
    ),
    ("EQF level 9", lambda b: _cond(b, eqf_levels=[9]), 422, "validation-error"),
    ("days on a student condition", lambda b: _cond(b, total_days_per_year=5), 422, "validation-error"),
    ("studies without a language", lambda b: _cond(b, recommended_language_skills=[]), 422, "validation-error"),
    ("condition with a third institution", lambda b: _cond(b, sending_hei_id="uio.no"), 422, "validation-error"),
    (
        "overlapping conditions",
        lambda b: b["cooperation_conditions"].append(
            condition(
                "incoming", receiving_first_academic_year_id="2027/2028", receiving_last_academic_year_id="2030/2031"
            )
        ),
        422,
        "overlapping-academic-years",
    ),
    ("no condition at all", lambda b: b.update(cooperation_conditions=[]), 422, "validation-error"),
    ("unknown field", lambda b: b.update(colour="blue"), 422, "validation-error"),
]


def _partner(body: dict[str, Any], hei: str) -> None:
    body["partners"][1]["hei_id"] = hei
    for c in body["cooperation_conditions"]:
        for side in ("sending_hei_id", "receiving_hei_id"):
            if c[side] == GRAZ:
                c[side] = hei


def _cond(body: dict[str, Any], **fields: Any) -> None:
    body["cooperation_conditions"][0].update(fields)


@pytest.mark.parametrize(("name", "change", "status", "slug"), CASES, ids=[c[0] for c in CASES])
async def test_bad_iias_are_refused_and_nothing_is_written(make_harness, name, change, status, slug) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    outbox = DEFINITION.tables.outbox
    before = await h.count(outbox)
    body = iia_body()
    change(body)
    response = await h.client.post("/iias", json=body, headers=office(h))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"urn:smile:problem:{slug}"
    assert response.json()["detail"]
    assert await h.count(Iia.__table__) == 0
    assert await h.count(outbox) == before


async def test_a_second_iia_over_the_same_years_is_a_duplicate_and_the_code_is_unique(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    first = await create_iia(h)
    duplicate = await h.client.post("/iias", json=iia_body(code="OTHER-CODE"), headers=office(h))
    assert duplicate.status_code == 409
    assert duplicate.json()["type"] == "urn:smile:problem:overlapping-iia"
    assert duplicate.json()["iia_id"] == first["id"]
    later = iia_body(code=first["code"])
    for c in later["cooperation_conditions"]:
        c.update(receiving_first_academic_year_id="2029/2030", receiving_last_academic_year_id="2030/2031")
    taken = await h.client.post("/iias", json=later, headers=office(h))
    assert taken.status_code == 409
    assert taken.json()["type"] == "urn:smile:problem:iia-code-taken"
    later["partners"][0]["iia_code"] = "UNICAEN-GRAZ-2029"
    assert (await h.client.post("/iias", json=later, headers=office(h))).status_code == 201


async def test_roles_and_universities_are_kept_apart(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    iia = await create_iia(h)
    analyst = h.headers("analyst")
    assert (await h.client.get(f"/iias/{iia['id']}", headers=analyst)).status_code == 200
    assert (await h.client.post("/iias", json=iia_body(code="X"), headers=analyst)).status_code == 403
    assert (await h.client.post("/iias", json=iia_body(code="X"), headers=h.headers("student"))).status_code == 403
    other = h.headers("coordinator", hei="univ-rennes.fr")
    assert (await h.client.get(f"/iias/{iia['id']}", headers=other)).status_code == 404
    assert (await h.client.get("/iias", headers=other)).json()["items"] == []
    # another university cannot act for ours on the internal API either
    index = await h.client.get(
        "/internal/ewp/iias/index",
        params={"partner_hei_id": GRAZ},
        headers={**h.headers("service", hei="*"), "X-Smile-Tenant": "univ-rennes.fr"},
    )
    assert index.json() == {"iia_ids": []}
    assert (await h.client.get("/internal/ewp/iias/stats", headers=office(h))).status_code == 403
    missing = await h.client.get("/internal/ewp/iias/stats", headers=h.headers("service", hei="*"))
    assert missing.status_code == 400
    assert HEI in iia["partners"][0]["hei_id"]
