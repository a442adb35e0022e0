"""Editing and publication of courses: the full record, its events, and every bad input."""

from __future__ import annotations

from typing import Any

import pytest

from smile_catalogue.courses.models import Course
from smile_catalogue.definition import DEFINITION
from smile_common.events import Envelope

from .conftest import HEI, create_course, editor

OUTBOX = DEFINITION.tables.outbox

FULL: dict[str, Any] = {
    "code": "INF-BDD-210",
    "title": {"fr": "Bases de données", "en": "Databases"},
    "description": {"fr": "Modèle relationnel, SQL, transactions.", "en": "Relational model, SQL, transactions."},
    "learning_outcomes": {"en": "Design a normalised schema."},
    "prerequisites": {"fr": "Algorithmique de base."},
    "ects": 5,
    "organisational_unit_code": "SCI-INFO",
    "isced_code": "0612",
    "eqf_level": 6,
    "languages": [{"language": "fr", "cefr_level": "B1"}, {"language": "en", "cefr_level": "B2"}],
    "term_codes": ["2026-S2"],
    "programme_codes": ["M-INFO"],
    "hours": {"lecture": 20, "tutorial": 10, "practical": 10, "independent": 60},
    "teaching_methods": ["lecture", "practical"],
    "assessment": [{"method": "written_exam", "weight": 70}, {"method": "project", "weight": 30}],
    "schedule": [{"day": "tue", "start": "08:30", "end": "10:30", "weeks": [4, 5, 6]}],
    "capacity": 12,
    "contacts": [{"name": "Dr Marie Curie", "email": "marie.curie@unicaen.fr", "role": {"en": "Lecturer"}}],
    "syllabus_url": "https://www.unicaen.fr/syllabus/inf-bdd-210",
    "open_to_exchange": True,
}


async def test_a_full_course_round_trips_and_publishes_once(catalogue) -> None:
    course = await create_course(catalogue, FULL)
    assert course["status"] == "published"
    assert course["status_changed_by"] == "editor-1"
    assert course["engagement_hours"] == 100
    assert course["los_id"] == f"CR/{course['id']}"
    public = await catalogue.client.get(f"/courses/{course['id']}")
    assert public.status_code == 200
    read = public.json()
    for field in ("title", "languages", "hours", "assessment", "contacts", "capacity", "syllabus_url", "term_codes"):
        assert read[field] == course[field]
    assert read["schedule"][0]["start"] == "08:30:00"
    again = await catalogue.client.post(f"/courses/{course['id']}/publish", headers=editor(catalogue))
    assert again.status_code == 200
    assert await catalogue.count(OUTBOX, OUTBOX.c.event_type == "catalogue.course.published.v1") == 1


async def test_changes_to_a_published_course_are_announced_and_no_op_changes_are_not(catalogue) -> None:
    course = await create_course(catalogue, FULL)
    path = f"/courses/{course['id']}"
    same = await catalogue.client.patch(path, json={"ects": 5, "capacity": 12}, headers=editor(catalogue))
    assert same.json()["version"] == course["version"]
    changed = await catalogue.client.patch(path, json={"capacity": 20}, headers=editor(catalogue))
    assert changed.json()["capacity"] == 20
    assert changed.json()["version"] == course["version"] + 1
    updates = OUTBOX.c.event_type == "catalogue.course.updated.v1"
    assert await catalogue.count(OUTBOX, updates) == 1
    async with catalogue.runtime.database.sessionmaker() as session:
        import sqlalchemy as sa

        stored = (await session.execute(sa.select(OUTBOX.c.envelope).where(updates))).scalar_one()
    data = Envelope.model_validate(stored).data
    assert data["languages"] == ["fr", "en"]
    assert data["programme_codes"] == ["M-INFO"]
    assert data["version"] == course["version"] + 1


async def test_a_course_can_be_withdrawn_republished_and_a_draft_deleted(catalogue) -> None:
    course = await create_course(catalogue, FULL)
    path = f"/courses/{course['id']}"
    assert (await catalogue.client.delete(path, headers=editor(catalogue))).status_code == 409
    withdrawn = await catalogue.client.post(f"{path}/withdraw", headers=editor(catalogue))
    assert withdrawn.json()["status"] == "withdrawn"
    assert (await catalogue.client.get(path)).status_code == 404
    back = await catalogue.client.post(f"{path}/publish", headers=editor(catalogue))
    assert back.json()["status"] == "published"
    draft = await create_course(catalogue, {**FULL, "code": "DRAFT-1"}, publish=False)
    assert (
        await catalogue.client.post(f"/courses/{draft['id']}/withdraw", headers=editor(catalogue))
    ).status_code == 409
    assert (await catalogue.client.delete(f"/courses/{draft['id']}", headers=editor(catalogue))).status_code == 204
    assert await catalogue.count(Course.__table__, Course.code == "DRAFT-1") == 0


async def test_course_reads_have_an_etag(catalogue) -> None:
    course = await create_course(catalogue, FULL)
    first = await catalogue.client.get(f"/courses/{course['id']}")
    etag = first.headers["etag"]
    assert (await catalogue.client.get(f"/courses/{course['id']}", headers={"If-None-Match": etag})).status_code == 304
    await catalogue.client.patch(f"/courses/{course['id']}", json={"capacity": 3}, headers=editor(catalogue))
    after = await catalogue.client.get(f"/courses/{course['id']}", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.json()["capacity"] == 3


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"ects": 0}, "ects"),
        ({"ects": -3}, "ects"),
        ({"ects": 240}, "ects"),
        ({"ects": 5.123}, "ects"),
        ({"isced_code": "421"}, "isced_code"),
        ({"isced_code": "0429"}, "isced_code"),  # 042 is law; 0429 is "n.e.c.": accepted below
        ({"isced_code": "4421"}, "isced_code"),
        ({"eqf_level": 9}, "eqf_level"),
        ({"languages": [{"language": "fr", "cefr_level": "B3"}]}, "languages"),
        ({"languages": [{"language": "french"}]}, "languages"),
        ({"languages": [{"language": "fr"}, {"language": "fr"}]}, "languages"),
        ({"title": {"xx": "Title"}}, "title"),
        ({"title": {}}, "title"),
        ({"code": "bad code!"}, "code"),
        ({"schedule": [{"day": "tue", "start": "10:30", "end": "08:30"}]}, "schedule"),
        ({"schedule": [{"day": "monday", "start": "08:00", "end": "09:00"}]}, "schedule"),
        ({"assessment": [{"method": "written_exam", "weight": 60}, {"method": "project", "weight": 30}]}, "assessment"),
        ({"syllabus_url": "ftp://example.org/x"}, "syllabus_url"),
        ({"contacts": [{"phone": "+33 1 23 45 67 89"}]}, "contacts"),
        ({"term_codes": ["2026-S1", "2026-S1"]}, "term_codes"),
        ({"capacity": -1}, "capacity"),
    ],
)
async def test_invalid_courses_are_refused_and_nothing_is_written(catalogue, change, where) -> None:
    if change == {"isced_code": "0429"}:
        response = await catalogue.client.post("/courses", json={**FULL, **change}, headers=editor(catalogue))
        assert response.status_code == 201
        return
    response = await catalogue.client.post("/courses", json={**FULL, **change}, headers=editor(catalogue))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(where in map(str, err["loc"]) for err in response.json()["errors"]), response.json()
    assert await catalogue.count(Course.__table__) == 0


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"organisational_unit_code": "NOPE"}, "organisational_unit_code"),
        ({"term_codes": ["2031-S1"]}, "term_codes"),
        ({"programme_codes": ["UNKNOWN"]}, "programme_codes"),
        ({"schedule": [{"day": "mon", "start": "08:00", "end": "09:00", "term_code": "2026-S1"}]}, "schedule"),
    ],
)
async def test_unknown_references_are_named(catalogue, change, loc) -> None:
    response = await catalogue.client.post("/courses", json={**FULL, **change}, headers=editor(catalogue))
    assert response.status_code == 422
    document = response.json()
    assert document["type"] == "urn:smile:problem:unknown-reference"
    assert document["errors"][0]["loc"][0] == loc
    assert await catalogue.count(OUTBOX, OUTBOX.c.event_type.like("catalogue.course.%")) == 0


async def test_codes_are_unique_per_university_whatever_the_case(catalogue) -> None:
    await create_course(catalogue, FULL, publish=False)
    twice = await catalogue.client.post("/courses", json={**FULL, "code": "inf-bdd-210"}, headers=editor(catalogue))
    assert twice.status_code == 409
    assert twice.json()["type"] == "urn:smile:problem:course-code-taken"


async def test_null_is_refused_for_fields_that_need_a_value(catalogue) -> None:
    course = await create_course(catalogue, FULL, publish=False)
    path = f"/courses/{course['id']}"
    assert (await catalogue.client.patch(path, json={"title": None}, headers=editor(catalogue))).status_code == 422
    cleared = await catalogue.client.patch(path, json={"capacity": None}, headers=editor(catalogue))
    assert cleared.status_code == 200
    assert cleared.json()["capacity"] is None


async def test_another_university_cannot_touch_the_course(catalogue) -> None:
    course = await create_course(catalogue, FULL, publish=False)
    foreign = catalogue.headers("catalogue_editor", hei="univ-rennes.fr")
    path = f"/courses/{course['id']}"
    assert (await catalogue.client.patch(path, json={"capacity": 1}, headers=foreign)).status_code == 404
    assert (await catalogue.client.get(path, headers=foreign)).status_code == 404
    assert (await catalogue.client.get(path, headers=catalogue.headers("coordinator", hei=HEI))).status_code == 200
