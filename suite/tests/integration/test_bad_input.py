"""Bad requests get a clear problem document and change nothing."""

from __future__ import annotations

import pytest

from smile_catalogue.courses.models import Course
from smile_catalogue.definition import DEFINITION as CATALOGUE

from .conftest import COURSE, ensure_term


async def _nothing_written(catalogue) -> None:  # type: ignore[no-untyped-def]
    assert await catalogue.count(Course.__table__) == 0
    assert await catalogue.count(CATALOGUE.tables.outbox) == 0


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        (b'{"code": "X", "title": ', 400, "malformed-json"),
        (b'{"code": "X", "title": {"en": "X"}, "ects": "six"}', 422, "validation-error"),
        (b'{"code": "X", "title": {"en": "X"}, "ects": 6, "colour": "red"}', 422, "validation-error"),
        (b'{"code": "X", "title": {"en": "X"}, "ects": -1}', 422, "validation-error"),
        (b'{"code": "X", "title": {"en": "X"}, "ects": 6, "isced_code": "42"}', 422, "validation-error"),
        (b"[1, 2, 3]", 422, "validation-error"),
    ],
)
async def test_invalid_bodies_are_problems_and_write_nothing(
    make_harness, body: bytes, status: int, problem: str
) -> None:
    catalogue = await make_harness(CATALOGUE)
    response = await catalogue.client.post(
        "/courses",
        content=body,
        headers={**catalogue.headers("catalogue_editor"), "Content-Type": "application/json"},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document = response.json()
    assert document["type"] == f"urn:smile:problem:{problem}"
    assert document["status"] == status
    await _nothing_written(catalogue)


async def test_oversized_body_is_413_and_writes_nothing(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE, max_body_bytes=4096)
    big = {**COURSE, "description": {"en": "x" * 10_000}}
    response = await catalogue.client.post("/courses", json=big, headers=catalogue.headers("catalogue_editor"))
    assert response.status_code == 413
    assert response.json()["type"] == "urn:smile:problem:payload-too-large"
    await _nothing_written(catalogue)


async def test_streamed_oversized_body_without_length_is_413(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE, max_body_bytes=4096)

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"code": "X", "title": {"en": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}, "ects": 5}'

    response = await catalogue.client.post(
        "/courses",
        content=chunks(),
        headers={**catalogue.headers("catalogue_editor"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    await _nothing_written(catalogue)


async def test_unknown_route_and_wrong_method_are_problems(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    missing = await catalogue.client.get("/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = await catalogue.client.delete("/courses")
    assert wrong.status_code == 405
    assert wrong.json()["type"] == "urn:smile:problem:method-not-allowed"


async def test_roles_and_tenants_are_enforced(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    anonymous = await catalogue.client.post("/courses", json=COURSE)
    assert anonymous.status_code == 401
    student = await catalogue.client.post("/courses", json=COURSE, headers=catalogue.headers("student"))
    assert student.status_code == 403
    await ensure_term(catalogue)
    created = await catalogue.client.post("/courses", json=COURSE, headers=catalogue.headers("catalogue_editor"))
    course_id = created.json()["id"]
    # a coordinator of another university does not even learn that the draft exists
    foreign = await catalogue.client.get(
        f"/courses/{course_id}", headers=catalogue.headers("coordinator", hei="univ-rennes.fr")
    )
    assert foreign.status_code == 404
    foreign_publish = await catalogue.client.post(
        f"/courses/{course_id}/publish", headers=catalogue.headers("coordinator", hei="univ-rennes.fr")
    )
    assert foreign_publish.status_code == 404
    # and the public does not see drafts
    assert (await catalogue.client.get(f"/courses/{course_id}")).status_code == 404
    assert (
        await catalogue.client.get(f"/courses/{course_id}", headers=catalogue.headers("coordinator"))
    ).status_code == 200
