"""Students' baskets through the API: choices, checks, submission as an event, capacity across students."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from smile_catalogue.definition import DEFINITION
from smile_common.events import Envelope

from .conftest import create_course

OUTBOX = DEFINITION.tables.outbox


def _course(code: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "title": {"fr": f"Cours {code}", "en": f"Course {code}"},
        "ects": 6,
        "organisational_unit_code": "DROIT",
        "languages": [{"language": "fr", "cefr_level": "B1"}],
        "term_codes": ["2026-S1"],
    }
    body.update(changes)
    return body


@pytest.fixture
async def offer(catalogue) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    courses = [
        _course("LAW-1", schedule=[{"day": "mon", "start": "08:00", "end": "10:00"}]),
        _course("LAW-2", schedule=[{"day": "mon", "start": "09:00", "end": "11:00"}]),
        _course("LAW-3"),
        _course("LAW-4"),
        _course("LAW-5", capacity=1),
        _course("SCI-1", organisational_unit_code="SCI-INFO", languages=[{"language": "en", "cefr_level": "C1"}]),
        _course("SPRING", term_codes=["2026-S2"]),
        _course("BOTH", term_codes=["2026-S1", "2026-S2"]),
    ]
    made = {}
    for body in courses:
        made[body["code"]] = await create_course(catalogue, body)
    return made


def student(harness, name: str = "ana") -> dict[str, str]:  # type: ignore[no-untyped-def]
    return harness.headers("student", sub=f"student-{name}", email=f"{name}@uni-example.eu", name=name.title())


async def _basket(harness, headers: dict[str, str], **changes: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"term_codes": ["2026-S1"], "declared_languages": [{"language": "fr", "cefr_level": "B2"}], **changes}
    response = await harness.client.post("/baskets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    basket: dict[str, Any] = response.json()
    return basket


async def _add(harness, basket: dict[str, Any], course: dict[str, Any], headers, **body: Any) -> Any:  # type: ignore[no-untyped-def]
    return await harness.client.put(
        f"/baskets/{basket['id']}/courses/{course['id']}", json=body or None, headers=headers
    )


def _severities(basket: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for check in basket["checks"]:
        out.setdefault(check["rule"], []).append(check["severity"])
    return out


async def test_a_basket_is_checked_then_submitted_as_an_event(catalogue, offer) -> None:
    ana = student(catalogue)
    basket = await _basket(catalogue, ana)
    for code in ("LAW-1", "LAW-2", "LAW-3"):
        response = await _add(catalogue, basket, offer[code], ana)
        assert response.status_code == 200, response.text
    current = response.json()
    assert current["total_ects"] == 18
    assert _severities(current)["ects_bounds"] == ["error"]
    assert _severities(current)["timetable_clash"] == ["error"]
    assert current["submittable"] is False
    refused = await catalogue.client.post(f"/baskets/{basket['id']}/submit", headers=ana)
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:smile:problem:basket-not-valid"
    assert {c["rule"] for c in refused.json()["checks"] if c["severity"] == "error"} == {
        "ects_bounds",
        "timetable_clash",
    }
    assert await catalogue.count(OUTBOX, OUTBOX.c.event_type.like("catalogue.basket.%")) == 0

    await catalogue.client.delete(f"/baskets/{basket['id']}/courses/{offer['LAW-2']['id']}", headers=ana)
    for code in ("LAW-4", "SCI-1", "BOTH"):
        assert (await _add(catalogue, basket, offer[code], ana)).status_code == 200
    ready = (await catalogue.client.get(f"/baskets/{basket['id']}", headers=ana)).json()
    assert ready["submittable"] is True, ready["checks"]
    assert _severities(ready)["language_level"] == ["warning"]  # SCI-1 needs English C1
    submitted = await catalogue.client.post(f"/baskets/{basket['id']}/submit", headers=ana)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    again = await catalogue.client.post(f"/baskets/{basket['id']}/submit", headers=ana)
    assert again.json()["submission"] == 1

    async with catalogue.runtime.database.sessionmaker() as session:
        stored = (
            (
                await session.execute(
                    sa.select(OUTBOX.c.envelope).where(OUTBOX.c.event_type == "catalogue.basket.submitted.v1")
                )
            )
            .scalars()
            .all()
        )
    assert len(stored) == 1
    data = Envelope.model_validate(stored[0]).data
    assert data["student_subject"] == "student-ana"
    assert data["student_email"] == "ana@uni-example.eu"
    assert data["academic_year_id"] == "2026/2027"
    assert data["total_ects"] == 30
    assert {c["code"] for c in data["courses"]} == {"LAW-1", "LAW-3", "LAW-4", "SCI-1", "BOTH"}
    both = next(c for c in data["courses"] if c["code"] == "BOTH")
    assert both["term_code"] == "2026-S1"
    assert both["academic_term_ewp_id"] == "2026/2027-1/2"
    assert both["los_id"] == f"CR/{offer['BOTH']['id']}"
    assert [w["rule"] for w in data["warnings"]] == ["language_level"]


async def test_a_submitted_basket_is_frozen_until_reopened(catalogue, offer) -> None:
    ana = student(catalogue)
    basket = await _basket(catalogue, ana)
    for code in ("LAW-1", "LAW-3", "LAW-4", "BOTH"):
        await _add(catalogue, basket, offer[code], ana)
    assert (await catalogue.client.post(f"/baskets/{basket['id']}/submit", headers=ana)).status_code == 200
    frozen = await _add(catalogue, basket, offer["SCI-1"], ana)
    assert frozen.status_code == 409
    assert frozen.json()["type"] == "urn:smile:problem:basket-submitted"
    reopened = await catalogue.client.post(f"/baskets/{basket['id']}/reopen", headers=ana)
    assert reopened.json()["status"] == "open"
    assert (await _add(catalogue, basket, offer["SCI-1"], ana)).status_code == 200
    second = await catalogue.client.post(f"/baskets/{basket['id']}/submit", headers=ana)
    assert second.json()["submission"] == 2
    types = OUTBOX.c.event_type
    assert await catalogue.count(OUTBOX, types == "catalogue.basket.reopened.v1") == 1
    assert await catalogue.count(OUTBOX, types == "catalogue.basket.submitted.v1") == 2


async def test_the_last_place_goes_to_the_first_student_who_submits(catalogue, offer) -> None:
    baskets = {}
    for name in ("ana", "ben"):
        headers = student(catalogue, name)
        basket = await _basket(catalogue, headers)
        for code in ("LAW-1", "LAW-3", "LAW-4", "LAW-5"):
            await _add(catalogue, basket, offer[code], headers)
        baskets[name] = (basket, headers)
    ana, ana_headers = baskets["ana"]
    assert (await catalogue.client.post(f"/baskets/{ana['id']}/submit", headers=ana_headers)).status_code == 200
    ben, ben_headers = baskets["ben"]
    seen = (await catalogue.client.get(f"/baskets/{ben['id']}", headers=ben_headers)).json()
    law5 = next(c for c in seen["courses"] if c["code"] == "LAW-5")
    assert law5["places_left"] == 0
    refused = await catalogue.client.post(f"/baskets/{ben['id']}/submit", headers=ben_headers)
    assert refused.status_code == 409
    capacity = [c for c in refused.json()["checks"] if c["rule"] == "capacity"]
    assert capacity[0]["message"]["en"] == "LAW-5 Course LAW-5 is full (1 places for exchange students)."


async def test_terms_are_checked_and_asked_for_when_ambiguous(catalogue, offer) -> None:
    ana = student(catalogue)
    basket = await _basket(catalogue, ana, term_codes=["2026-S1", "2026-S2"])
    ambiguous = await _add(catalogue, basket, offer["BOTH"], ana)
    assert ambiguous.status_code == 422
    assert ambiguous.json()["type"] == "urn:smile:problem:term-needed"
    chosen = await _add(catalogue, basket, offer["BOTH"], ana, term_code="2026-S2")
    assert chosen.json()["courses"][0]["term_code"] == "2026-S2"
    single = await _basket(catalogue, student(catalogue, "carl"), term_codes=["2026-S1"])
    outside = await _add(catalogue, single, offer["SPRING"], student(catalogue, "carl"))
    messages = [c["message"]["en"] for c in outside.json()["checks"] if c["rule"] == "term_availability"]
    assert messages == ["SPRING Course SPRING is given in Semester 2, outside your stay."]


async def test_baskets_are_private_to_their_student_and_readable_by_staff(catalogue, offer) -> None:
    ana = student(catalogue)
    basket = await _basket(catalogue, ana)
    path = f"/baskets/{basket['id']}"
    assert (await catalogue.client.get(path, headers=student(catalogue, "ben"))).status_code == 404
    assert (await catalogue.client.get(path, headers=catalogue.headers("coordinator"))).status_code == 200
    staff_write = await _add(catalogue, basket, offer["LAW-1"], catalogue.headers("coordinator"))
    assert staff_write.status_code == 404
    foreign = catalogue.headers("coordinator", hei="univ-rennes.fr")
    assert (await catalogue.client.get(path, headers=foreign)).status_code == 404
    listed = await catalogue.client.get("/baskets", headers=student(catalogue, "ben"))
    assert listed.json() == []
    assert (
        await catalogue.client.post(
            "/baskets", json={"term_codes": ["2026-S1"]}, headers=catalogue.headers("coordinator")
        )
    ).status_code == 403


async def test_bad_basket_input(catalogue, offer) -> None:
    ana = student(catalogue)
    bad_bodies: list[dict[str, Any]] = [
        {"term_codes": []},
        {"term_codes": ["2026-S1"], "declared_languages": [{"language": "fr", "cefr_level": "B7"}]},
        {
            "term_codes": ["2026-S1"],
            "declared_languages": [{"language": "fr", "cefr_level": "B1"}, {"language": "fr", "cefr_level": "B2"}],
        },
        {"term_codes": ["2026-S1"], "colour": "blue"},
    ]
    for body in bad_bodies:
        assert (await catalogue.client.post("/baskets", json=body, headers=ana)).status_code == 422
    unknown = await catalogue.client.post(
        "/baskets", json={"term_codes": ["1999-S1"], "host_unit_code": "NOPE"}, headers=ana
    )
    assert unknown.json()["type"] == "urn:smile:problem:unknown-reference"
    assert len(unknown.json()["errors"]) == 2
    basket = await _basket(catalogue, ana)
    missing = await catalogue.client.put(
        f"/baskets/{basket['id']}/courses/00000000-0000-0000-0000-000000000000", headers=ana
    )
    assert missing.status_code == 404
    closed = await create_course(catalogue, _course("CLOSED", open_to_exchange=False))
    assert (await _add(catalogue, basket, closed, ana)).json()["type"] == "urn:smile:problem:course-not-open"
    draft = await create_course(catalogue, _course("DRAFT"), publish=False)
    assert (await _add(catalogue, basket, draft, ana)).status_code == 404
    empty = await catalogue.client.post(f"/baskets/{basket['id']}/submit", headers=ana)
    assert empty.status_code == 409


async def test_prerequisites_travel_with_the_submission_as_a_warning(catalogue, offer) -> None:
    advanced = await create_course(
        catalogue, _course("LAW-ADV", prerequisites={"en": "Contract law.", "fr": "Droit des contrats."})
    )
    ana = student(catalogue)
    basket = await _basket(catalogue, ana)
    for code in ("LAW-1", "LAW-3", "LAW-4", "BOTH"):
        assert (await _add(catalogue, basket, offer[code], ana)).status_code == 200
    added = (await _add(catalogue, basket, advanced, ana)).json()
    [check] = [c for c in added["checks"] if c["rule"] == "prerequisites"]
    assert check["severity"] == "warning"
    assert check["course_ids"] == [advanced["id"]]
    assert "Contract law." in check["message"]["en"]
    assert "Droit des contrats." in check["message"]["fr"]
    submitted = await catalogue.client.post(f"/baskets/{basket['id']}/submit", headers=ana)
    assert submitted.status_code == 200, submitted.text
    updates = OUTBOX.c.event_type == "catalogue.basket.submitted.v1"
    async with catalogue.runtime.database.sessionmaker() as session:
        stored = (await session.execute(sa.select(OUTBOX.c.envelope).where(updates))).scalar_one()
    assert [w["rule"] for w in Envelope.model_validate(stored).data["warnings"]] == ["prerequisites"]
    strict = {
        **(await catalogue.client.get("/basket-policy", params={"hei": "unicaen.fr"})).json(),
        "prerequisites": "off",
    }
    policy = await catalogue.client.put("/basket-policy", json=strict, headers=catalogue.headers("coordinator"))
    assert policy.status_code == 200, policy.text
    again = await catalogue.client.get(f"/baskets/{basket['id']}", headers=ana)
    assert [c["severity"] for c in again.json()["checks"] if c["rule"] == "prerequisites"] == ["off"]
