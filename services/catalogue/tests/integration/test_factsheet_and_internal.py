"""The factsheet, and the reads the EWP gateway makes with the service role."""

from __future__ import annotations

from typing import Any

from smile_catalogue.seeding import FACTSHEET

from .conftest import HEI, create_course, editor
from .test_courses import FULL


def _service(harness, hei: str = HEI) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**harness.headers("service", hei="*", sub="service:ewp-gateway"), "X-Smile-Tenant": hei}


async def test_the_factsheet_is_public_and_only_coordinators_write_it(catalogue) -> None:
    assert (await catalogue.client.get("/factsheet", params={"hei": HEI})).status_code == 404
    body = FACTSHEET.model_dump(mode="json")
    assert (await catalogue.client.put("/factsheet", json=body, headers=editor(catalogue))).status_code == 403
    put = await catalogue.client.put("/factsheet", json=body, headers=catalogue.headers("coordinator"))
    assert put.status_code == 200, put.text
    public = await catalogue.client.get("/factsheet", params={"hei": HEI})
    assert public.json()["calendar"]["nominations_autumn"] == "--05-15"
    assert [t["ewp_id"] for t in public.json()["terms"]] == ["2026/2027-1/2", "2026/2027-2/2"]
    again = await catalogue.client.put("/factsheet", json=body, headers=catalogue.headers("coordinator"))
    assert again.json()["version"] == 1


async def test_bad_factsheets_are_refused(catalogue) -> None:
    headers = catalogue.headers("coordinator")
    bad: list[dict[str, Any]] = [
        {"calendar": {"nominations_autumn": "05-15"}},
        {"calendar": {"nominations_autumn": "--13-01"}},
        {"application_info": {"phone": "02 31 56 60 52"}},
        {"language_requirements": [{"language": "fr", "cefr_level": "B3"}]},
        {"accessibility": [{"type": "ramp", "name": "x"}]},
        {"decision_weeks_limit": -1},
        {"unknown_field": 1},
    ]
    for body in bad:
        response = await catalogue.client.put("/factsheet", json=body, headers=headers)
        assert (body, response.status_code) == (body, 422)
    unknown_term = {"term_deadlines": [{"term_code": "1999-S1", "application_deadline": "1999-06-01"}]}
    response = await catalogue.client.put("/factsheet", json=unknown_term, headers=headers)
    assert response.json()["type"] == "urn:smile:problem:unknown-reference"
    assert (await catalogue.client.get("/factsheet", params={"hei": HEI})).status_code == 404


async def test_internal_reads_need_the_service_role(catalogue) -> None:
    for path in ("/internal/ewp/ounits", "/internal/ewp/course-ids", "/internal/ewp/factsheet"):
        assert (await catalogue.client.get(path)).status_code == 401
        assert (await catalogue.client.get(path, headers=catalogue.headers("coordinator"))).status_code == 403


async def test_the_gateway_reads_units_without_hidden_ones(catalogue) -> None:
    everything = (await catalogue.client.get("/internal/ewp/ounits", headers=_service(catalogue))).json()["items"]
    codes = [u["code"] for u in everything]
    assert codes == ["DROIT", "LANG", "SCI", "SCI-INFO"]
    info = next(u for u in everything if u["code"] == "SCI-INFO")
    sci = next(u for u in everything if u["code"] == "SCI")
    assert info["parent_ounit_id"] == sci["ounit_id"]
    by_code = await catalogue.client.get(
        "/internal/ewp/ounits", params={"ounit_code": ["SCI", "CAMPUS-SECRET", "NOPE"]}, headers=_service(catalogue)
    )
    assert [u["code"] for u in by_code.json()["items"]] == ["SCI"]
    by_id = await catalogue.client.get(
        "/internal/ewp/ounits", params={"ounit_id": [info["ounit_id"]]}, headers=_service(catalogue)
    )
    assert by_id.json()["items"][0]["names"] == {"fr": "Département d'informatique", "en": "Computer Science"}
    both = await catalogue.client.get(
        "/internal/ewp/ounits", params={"ounit_id": ["x"], "ounit_code": ["SCI"]}, headers=_service(catalogue)
    )
    assert both.status_code == 400
    other = await catalogue.client.get("/internal/ewp/ounits", headers=_service(catalogue, "univ-rennes.fr"))
    assert other.json()["items"] == []


async def test_the_gateway_reads_courses_with_one_instance_per_term(catalogue) -> None:
    course = await create_course(catalogue, {**FULL, "term_codes": ["2026-S1", "2026-S2"], "schedule": []})
    draft = await create_course(catalogue, {**FULL, "code": "DRAFT-2"}, publish=False)
    response = await catalogue.client.get(
        "/internal/ewp/courses",
        params={"los_id": [course["los_id"], draft["los_id"], "CR/not-a-uuid", "XX/1"]},
        headers=_service(catalogue),
    )
    items = response.json()["items"]
    assert [i["los_code"] for i in items] == ["INF-BDD-210"]  # the draft and junk ids are left out
    los = items[0]
    assert los["titles"]["en"] == "Databases"
    assert los["urls"] == ["https://www.unicaen.fr/syllabus/inf-bdd-210"]
    assert [loi["academic_term"]["ewp_id"] for loi in los["lois"]] == ["2026/2027-1/2", "2026/2027-2/2"]
    assert los["lois"][0]["credits"] == [{"scheme": "ects", "value": "5"}]
    assert los["lois"][0]["engagement_hours"] == 100
    assert los["lois"][0]["loi_id"] != los["lois"][1]["loi_id"]
    by_code = await catalogue.client.get(
        "/internal/ewp/courses",
        params={"los_code": "INF-BDD-210", "lois_after": "2027-01-21"},
        headers=_service(catalogue),
    )
    assert [loi["term_code"] for loi in by_code.json()["items"][0]["lois"]] == ["2026-S2"]
    assert (await catalogue.client.get("/internal/ewp/courses", headers=_service(catalogue))).status_code == 400


async def test_course_replication_lists_ids_and_changes_since_a_moment(catalogue) -> None:
    first = await create_course(catalogue, FULL)
    everything = await catalogue.client.get("/internal/ewp/course-ids", headers=_service(catalogue))
    assert everything.json()["los_ids"] == [first["los_id"]]
    moment = first["updated_at"]
    later = await create_course(catalogue, {**FULL, "code": "LATER-1"})
    await catalogue.client.post(f"/courses/{first['id']}/withdraw", headers=editor(catalogue))
    since = await catalogue.client.get(
        "/internal/ewp/course-ids", params={"modified_since": moment}, headers=_service(catalogue)
    )
    assert set(since.json()["los_ids"]) == {first["los_id"], later["los_id"]}  # the withdrawal is a change
    now = await catalogue.client.get("/internal/ewp/course-ids", headers=_service(catalogue))
    assert now.json()["los_ids"] == [later["los_id"]]
    naive = await catalogue.client.get(
        "/internal/ewp/course-ids", params={"modified_since": "2026-01-01T00:00:00"}, headers=_service(catalogue)
    )
    assert naive.status_code == 400
    future = await catalogue.client.get(
        "/internal/ewp/course-ids", params={"modified_since": "2999-01-01T00:00:00+00:00"}, headers=_service(catalogue)
    )
    assert future.json()["los_ids"] == []


async def test_the_gateway_reads_the_institution_and_factsheet(catalogue) -> None:
    assert (await catalogue.client.get("/internal/ewp/institution", headers=_service(catalogue))).status_code == 404
    body = {
        "name": {"fr": "Université de Caen Normandie"},
        "website_url": "https://www.unicaen.fr",
        "logo_url": "http://insecure.example/logo.png",
        "contacts": [{"name": "Accueil", "email": "incoming@unicaen.fr", "role": {"en": "Incoming"}}],
    }
    await catalogue.client.put("/institution", json=body, headers=catalogue.headers("coordinator"))
    read = (await catalogue.client.get("/internal/ewp/institution", headers=_service(catalogue))).json()
    assert read["names"] == {"fr": "Université de Caen Normandie"}
    assert read["logo_url"] is None  # EWP wants HTTPS logos
    assert read["contacts"] == [
        {"name": "Accueil", "emails": ["incoming@unicaen.fr"], "phones": [], "role_description": {"en": "Incoming"}}
    ]
    assert len(read["ounit_ids"]) == 4  # hidden unit left out
    await catalogue.client.put(
        "/factsheet", json=FACTSHEET.model_dump(mode="json"), headers=catalogue.headers("coordinator")
    )
    sheet = (await catalogue.client.get("/internal/ewp/factsheet", headers=_service(catalogue))).json()
    assert sheet["nominations_spring"] == "--10-15"
    assert sheet["application_info"]["phone"] == "+33231566052"
    assert sheet["term_deadlines"][0] == {
        "term_code": "2026-S1",
        "nomination_deadline": "2026-05-15",
        "application_deadline": "2026-06-01",
    }
