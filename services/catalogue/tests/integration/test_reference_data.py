"""Units, academic years, terms and programmes: upserts by code, public reads, bad input."""

from __future__ import annotations

from smile_catalogue.definition import DEFINITION

from .conftest import HEI, editor, load_reference

OUTBOX = DEFINITION.tables.outbox


async def test_units_form_a_tree_and_hidden_ones_stay_hidden(catalogue) -> None:
    public = await catalogue.client.get("/units", params={"hei": HEI})
    assert public.status_code == 200
    codes = [u["code"] for u in public.json()]
    assert codes == ["DROIT", "LANG", "SCI", "SCI-INFO"]  # parents before children, hidden unit left out
    info = next(u for u in public.json() if u["code"] == "SCI-INFO")
    assert info["parent_code"] == "SCI"
    assert info["kind"] == "department"
    staff = await catalogue.client.get("/units", headers=catalogue.headers("coordinator"))
    assert "CAMPUS-SECRET" in [u["code"] for u in staff.json()]


async def test_unit_events_tell_creation_and_real_changes_only(catalogue) -> None:
    created = await catalogue.count(OUTBOX, OUTBOX.c.event_type == "catalogue.organisational_unit.created.v1")
    assert created == 5
    body = {"name": {"fr": "Faculté de droit", "en": "Faculty of Law"}, "city": "Caen"}
    same = await catalogue.client.put("/units/DROIT", json=body, headers=editor(catalogue))
    assert same.status_code == 200
    assert same.json()["version"] == 1
    assert await catalogue.count(OUTBOX, OUTBOX.c.event_type == "catalogue.organisational_unit.updated.v1") == 0
    moved = await catalogue.client.put("/units/DROIT", json={**body, "city": "Alençon"}, headers=editor(catalogue))
    assert moved.json()["version"] == 2
    assert await catalogue.count(OUTBOX, OUTBOX.c.event_type == "catalogue.organisational_unit.updated.v1") == 1


async def test_a_unit_cannot_hang_under_a_missing_parent_or_its_own_child(catalogue) -> None:
    missing = await catalogue.client.put(
        "/units/X", json={"name": {"fr": "X"}, "parent_code": "NOPE"}, headers=editor(catalogue)
    )
    assert missing.status_code == 422
    assert missing.json()["type"] == "urn:smile:problem:unknown-reference"
    cycle = await catalogue.client.put(
        "/units/SCI", json={"name": {"fr": "Sciences"}, "parent_code": "SCI-INFO"}, headers=editor(catalogue)
    )
    assert cycle.status_code == 422
    assert cycle.json()["type"] == "urn:smile:problem:invalid-hierarchy"
    units = await catalogue.client.get("/units", headers=catalogue.headers("coordinator"))
    assert "X" not in [u["code"] for u in units.json()]


async def test_terms_carry_their_ewp_ids(catalogue) -> None:
    terms = (await catalogue.client.get("/terms", params={"hei": HEI})).json()
    assert [(t["code"], t["ewp_id"], t["academic_year_id"]) for t in terms] == [
        ("2026-S1", "2026/2027-1/2", "2026/2027"),
        ("2026-S2", "2026/2027-2/2", "2026/2027"),
    ]


async def test_bad_terms_and_years_are_refused(catalogue) -> None:
    headers = editor(catalogue)
    term = {
        "academic_year_code": "2030-2031",
        "ordinal": 1,
        "name": {"en": "S1"},
        "start_date": "2030-09-01",
        "end_date": "2031-01-15",
    }
    unknown = await catalogue.client.put("/terms/2030-S1", json=term, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["type"] == "urn:smile:problem:unknown-reference"
    backwards = {**term, "academic_year_code": "2026-2027", "end_date": "2030-01-01"}
    assert (await catalogue.client.put("/terms/X", json=backwards, headers=headers)).status_code == 422
    third = {**term, "academic_year_code": "2026-2027", "ordinal": 3}
    assert (await catalogue.client.put("/terms/X", json=third, headers=headers)).status_code == 422
    year = {"start_date": "2026-09-01", "end_date": "2027-08-31"}
    assert (await catalogue.client.put("/academic-years/2026", json=year, headers=headers)).status_code == 422


async def test_reference_reads_are_per_university_and_need_a_hei(catalogue) -> None:
    assert (await catalogue.client.get("/units")).json()["type"] == "urn:smile:problem:missing-hei"
    other = await catalogue.client.get("/units", params={"hei": "univ-rennes.fr"})
    assert other.json() == []
    student = await catalogue.client.put("/units/Z", json={"name": {"fr": "Z"}}, headers=catalogue.headers("student"))
    assert student.status_code == 403


async def test_loading_the_same_reference_data_twice_changes_nothing(catalogue) -> None:
    before = await catalogue.count(OUTBOX)
    etag = (await catalogue.client.get("/terms", params={"hei": HEI})).headers["etag"]
    await load_reference(catalogue)
    assert await catalogue.count(OUTBOX) == before
    again = await catalogue.client.get("/terms", params={"hei": HEI}, headers={"If-None-Match": etag})
    assert again.status_code == 304


async def test_institution_and_basket_policy(catalogue) -> None:
    assert (await catalogue.client.get("/institution", params={"hei": HEI})).status_code == 404
    body = {
        "name": {"fr": "Université de Caen Normandie", "en": "University of Caen Normandy"},
        "abbreviation": "UNICAEN",
        "website_url": "https://www.unicaen.fr",
        "city": "Caen",
    }
    put = await catalogue.client.put("/institution", json=body, headers=catalogue.headers("coordinator"))
    assert put.status_code == 200, put.text
    assert put.json()["hei_id"] == HEI
    assert (await catalogue.client.get("/institution", params={"hei": HEI})).json()["abbreviation"] == "UNICAEN"
    editor_put = await catalogue.client.put("/institution", json=body, headers=editor(catalogue))
    assert editor_put.status_code == 403
    policy = (await catalogue.client.get("/basket-policy", params={"hei": HEI})).json()
    assert policy["max_ects_per_term"] == 35
    wrong = {**policy, "min_ects_per_term": 40, "max_ects_per_term": 30}
    refused = await catalogue.client.put("/basket-policy", json=wrong, headers=catalogue.headers("coordinator"))
    assert refused.status_code == 422
