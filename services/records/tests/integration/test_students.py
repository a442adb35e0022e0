"""Students from accepted mobilities: ESI validated and normalised, recognised across mobilities,
corrected by the registrar, duplicates shown, private to each university."""

from __future__ import annotations

import uuid

import pytest

from .conftest import ESI, accepted, events, eventually, publish, records_service, staff, student


async def _students(h, **params):  # type: ignore[no-untyped-def]
    response = await h.client.get("/students", params=params, headers=staff(h))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_draft_form_esi_from_the_nomination_is_stored_in_the_v1_form(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(
        h, accepted(uuid.uuid4(), student=student(esi="urn:schac:PersonalUniqueCode:de:ESI:UNI-KOELN.DE:7654321"))
    )
    [found] = await eventually(lambda: _students(h))
    assert found["esi"] == ESI
    assert found["esi_problem"] is None
    [assigned] = await events(h, "records.esi.assigned.v1")
    assert assigned["esi"] == ESI
    assert assigned["source"] == "nomination"


async def test_a_malformed_esi_does_not_stop_the_student_and_is_shown_for_correction(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(
        h, accepted(uuid.uuid4(), student=student(esi="urn:schac:personalUniqueCode:int:esi:uni-koeln.de:76 54"))
    )
    [found] = await eventually(lambda: _students(h))
    assert found["esi"] is None
    assert found["esi_problem"]["rule"] == "esi-code-characters"
    assert await events(h, "records.esi.assigned.v1") == []


async def test_the_same_esi_in_any_case_is_the_same_student_across_mobilities(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(h, accepted(uuid.uuid4()))
    await publish(
        h,
        accepted(
            uuid.uuid4(),
            student=student(
                esi=ESI.upper().replace("URN:SCHAC:PERSONALUNIQUECODE", "urn:schac:personalUniqueCode"),
                family_name="Mueller",
            ),
        ),
    )
    await eventually(lambda: _count_registered(h, 1))
    await eventually(lambda: _two_enrolments(h))
    assert len(await _students(h)) == 1


async def _count_registered(h, n):  # type: ignore[no-untyped-def]
    return len(await events(h, "records.student.registered.v1")) == n


async def _two_enrolments(h):  # type: ignore[no-untyped-def]
    return len((await h.client.get("/enrolments", headers=staff(h))).json()["items"]) == 2


async def test_a_student_without_esi_is_recognised_by_names_birth_date_and_home(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(h, accepted(uuid.uuid4(), student=student(esi=None)))
    await publish(h, accepted(uuid.uuid4(), student=student(esi=None, family_name="MULLER", given_names="anna")))
    await eventually(lambda: _two_enrolments(h))
    [only] = await _students(h)
    assert only["esi"] is None
    # the registrar gives the ESI later
    patched = await h.client.patch(f"/students/{only['id']}", json={"esi": ESI}, headers=staff(h))
    assert patched.status_code == 200
    assert patched.json()["esi"] == ESI
    [assigned] = await events(h, "records.esi.assigned.v1")
    assert assigned["source"] == "registrar"


async def test_homonyms_with_different_esis_are_two_students_listed_as_possible_duplicates(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(h, accepted(uuid.uuid4()))
    await publish(
        h, accepted(uuid.uuid4(), student=student(esi="urn:schac:personalUniqueCode:int:esi:uni-koeln.de:999"))
    )
    await eventually(lambda: _count_registered(h, 2))
    pairs = (await h.client.get("/students/duplicates", headers=staff(h))).json()
    assert len(pairs) == 1
    assert len(pairs[0]["students"]) == 2


@pytest.mark.parametrize(
    ("esi", "rule"),
    [
        ("7654321", "esi-prefix"),
        ("urn:schac:personalUniqueCode:int:esi:koeln:1", "esi-scope-invalid"),
        ("urn:schac:personalUniqueCode:int:esi:uni-koeln.de:", "esi-code-missing"),
        ("urn:schac:personalUniqueCode:int:esi:uni-koeln.de:a b", "esi-code-characters"),
        ("urn:schac:personalUniqueCode:int:esi:uni-koeln.de:100%", "esi-code-escape"),
        ("urn:schac:personalUniqueCode:int:esi:uni-koeln.de:" + "1" * 240, "esi-too-long"),
    ],
)
async def test_the_registrar_gets_the_broken_rule_and_nothing_changes(make_harness, esi: str, rule: str) -> None:
    h = await records_service(make_harness)
    await publish(h, accepted(uuid.uuid4()))
    [found] = await eventually(lambda: _students(h))
    response = await h.client.patch(f"/students/{found['id']}", json={"esi": esi}, headers=staff(h))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["rule"] == rule
    again = (await h.client.get(f"/students/{found['id']}", headers=staff(h))).json()
    assert again["esi"] == ESI
    assert again["version"] == found["version"]


async def test_an_esi_or_ine_held_by_another_student_is_a_conflict(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(h, accepted(uuid.uuid4()))
    await publish(h, accepted(uuid.uuid4(), student=student(esi=None, family_name="Rossi", given_names="Luca")))
    await eventually(lambda: _count_registered(h, 2))
    students = {s["family_name"]: s for s in await _students(h)}
    rossi = students["Rossi"]
    clash = await h.client.patch(f"/students/{rossi['id']}", json={"esi": ESI.upper()}, headers=staff(h))
    assert clash.status_code == 409
    assert clash.json()["type"] == "urn:smile:problem:esi-duplicate"
    assert clash.json()["student_id"] == students["Müller"]["id"]
    ok = await h.client.patch(f"/students/{students['Müller']['id']}", json={"ine": "1234567890a"}, headers=staff(h))
    assert ok.json()["ine"] == "1234567890A"
    dup = await h.client.patch(f"/students/{rossi['id']}", json={"ine": "1234567890A"}, headers=staff(h))
    assert dup.status_code == 409
    assert dup.json()["type"] == "urn:smile:problem:ine-duplicate"
    bad = await h.client.patch(f"/students/{rossi['id']}", json={"ine": "12"}, headers=staff(h))
    assert bad.status_code == 422


async def test_students_are_private_to_their_university_and_to_staff(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(h, accepted(uuid.uuid4()))
    [found] = await eventually(lambda: _students(h))
    other = staff(h, hei="univ-rennes.fr")
    assert (await h.client.get(f"/students/{found['id']}", headers=other)).status_code == 404
    assert (await h.client.patch(f"/students/{found['id']}", json={"phone": "1"}, headers=other)).status_code == 404
    coordinator = staff(h, "coordinator")
    assert (
        await h.client.patch(f"/students/{found['id']}", json={"phone": "1"}, headers=coordinator)
    ).status_code == 403
    me = h.headers("student", sub="anna", email="Anna.Mueller@smail.uni-koeln.de")
    own = await h.client.get("/me/student", headers=me)
    assert own.status_code == 200
    assert own.json()["id"] == found["id"]
    assert (await h.client.get("/students", headers=me)).status_code == 403
