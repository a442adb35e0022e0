"""The EWP APIs SMILE serves, as a partner calls them: valid XML, limits, unknown ids, filters, methods."""

from __future__ import annotations

import logging

import httpx
import pytest
import sqlalchemy as sa

from smile_catalogue.institution.models import Institution, OrganisationalUnit
from smile_ewp_gateway.db import InboundChange
from smile_ewp_gateway.testpartner.owners import FACTSHEET
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml
from smile_ewp_gateway.xmlkit import ns

ERR = f"{{{ns.COMMON}}}developer-message"
INST = f"{{{ns.api_ns('institutions', 2)}}}"
OU = f"{{{ns.api_ns('ounits', 2)}}}"
CO = f"{{{ns.api_ns('courses', 1)}}}"


def ids(root: object, tag: str) -> list[str]:
    return [e.text or "" for e in root.iter(tag)]  # type: ignore[attr-defined]


async def units(world: World) -> dict[str, str]:
    """The catalogue's unit ids by code (as the catalogue's internal read gives them)."""
    assert world.catalogue is not None
    headers = {**world.catalogue.headers("service", hei="*", sub="service:ewp-gateway"), "X-Smile-Tenant": SMILE_HEI}
    read = await world.catalogue.client.get("/internal/ewp/ounits", headers=headers)
    return {u["code"]: u["ounit_id"] for u in read.json()["items"]}


async def test_institutions_serves_the_university_and_names_known_institutions(world: World) -> None:
    response = await world.signed(
        "POST", "/institutions", data={"hei_id": [SMILE_HEI, world.partner.hei_id, "unknown.example"]}
    )
    assert response.status_code == 200
    root = assert_valid_xml(response)
    assert ids(root, f"{INST}hei-id") == [SMILE_HEI, world.partner.hei_id]
    ours = root.find(f"{INST}hei")
    assert sorted(ids(ours, f"{INST}name")) == sorted(["Université de Caen Normandie", "University of Caen Normandy"])
    assert ids(ours, f"{INST}abbreviation") == ["UNICAEN"]
    assert ids(ours, f"{INST}website-url") == ["https://www.unicaen.fr"]
    assert ids(ours, f"{INST}mobility-factsheet-url") == ["https://international.unicaen.fr/factsheet"]
    assert ids(ours, f"{{{ns.CONTACT}}}email") == ["international@unicaen.fr"]
    assert ids(ours, f"{{{ns.ADDRESS}}}locality") == ["Caen"]
    visible = await units(world)
    assert sorted(ids(ours, f"{INST}ounit-id")) == sorted(visible.values())  # the hidden unit is not listed
    assert "SECRET" not in visible


async def test_an_institution_the_catalogue_does_not_describe_yet_still_answers(world: World) -> None:
    """Before the office fills in the catalogue's institution, partners get the names of SMILE_EWP_HEIS."""
    assert world.catalogue is not None
    async with world.catalogue.runtime.database.sessionmaker() as session, session.begin():
        row = await session.get(Institution, SMILE_HEI)
        assert row is not None
        await session.delete(row)
    response = await world.signed("POST", "/institutions", data={"hei_id": SMILE_HEI})
    assert response.status_code == 200
    root = assert_valid_xml(response)
    assert ids(root, f"{INST}name") == ["Université de Caen Normandie"]
    assert ids(root, f"{INST}other-id") == ["F  CAEN01"]


BAD_PARAMETERS: list[tuple[str, list[tuple[str, str]], str]] = [
    ("/institutions", [("hei_id", f"x{i}.example") for i in range(101)], "too many hei_id"),
    ("/institutions", [], "hei_id is required"),
    ("/ounits", [("hei_id", "other.example"), ("ounit_id", "u-1")], "unknown hei_id"),
    ("/ounits", [("hei_id", SMILE_HEI), ("hei_id", SMILE_HEI), ("ounit_id", "u-1")], "once"),
    ("/ounits", [("hei_id", SMILE_HEI), ("ounit_id", "u-1"), ("ounit_code", "DROIT")], "not both"),
    ("/ounits", [("hei_id", SMILE_HEI)], "is required"),
    ("/ounits", [("hei_id", SMILE_HEI)] + [("ounit_id", f"u{i}") for i in range(101)], "too many"),
    ("/courses", [("hei_id", SMILE_HEI), ("los_id", "CR/1"), ("lois_before", "01/01/2027")], "YYYY-MM-DD"),
    ("/course-replication", [("hei_id", SMILE_HEI), ("modified_since", "2026-01-01")], "offset"),
    ("/course-replication", [("hei_id", SMILE_HEI), ("modified_since", "yesterday")], "offset"),
    (
        "/course-replication",
        [
            ("hei_id", SMILE_HEI),
            ("modified_since", "2026-01-01T00:00:00+01:00"),
            ("modified_since", "2026-01-02T00:00:00+01:00"),
        ],
        "once",
    ),
    ("/iias/get", [("iia_id", f"unknown-{i}") for i in range(101)], "too many iia_id"),
    ("/iias/get", [], "iia_id is required"),
    ("/iias/index", [("receiving_academic_year_id", "2026-2027")], "2024/2025"),
    ("/iias/index", [("receiving_academic_year_id", "2026/2029")], "not an academic year"),
    ("/iias-approval", [("iia_id", f"unknown-{i}") for i in range(101)], "too many"),
    ("/imobilities/get", [("omobility_id", f"m{i}") for i in range(101)], "too many"),
    ("/imobility-tors/get", [], "omobility_id is required"),
    ("/iia-cnr", [], "iia_id parameter is required"),
    ("/iia-cnr", [("iia_id", "a"), ("iia_id", "b")], "once"),
    ("/omobility-cnr", [("omobility_id", f"m{i}") for i in range(101)], "too many"),
    ("/omobility-la-cnr", [("omobility_id", "m1")], "sending_hei_id parameter is required"),
    ("/omobility-la-cnr", [("sending_hei_id", "other.example"), ("omobility_id", "m1")], "not covered"),
]


async def test_invalid_parameters_are_400_with_an_explanation(world: World) -> None:
    for path, params, message in BAD_PARAMETERS:
        response = await world.signed("POST", path, data=_form(params))
        assert response.status_code == 400, f"{path} {params[:3]}: {response.text}"
        assert message in (assert_valid_xml(response).findtext(ERR) or ""), f"{path}: {response.text}"


def _form(params: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in params:
        out.setdefault(name, []).append(value)
    return out


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/iias/get"),
        ("DELETE", "/echo"),
        ("POST", "/iias/stats"),
        ("POST", "/file"),
        ("GET", "/iia-cnr"),
        ("GET", "/omobility-cnr"),
        ("PATCH", "/institutions"),
        ("POST", "/omobility-la-cnr/stats"),
    ],
)
async def test_wrong_methods_are_405(world: World, method: str, path: str) -> None:
    response = await world.signed(method, path)
    assert response.status_code == 405
    assert "not allowed" in (assert_valid_xml(response).findtext(ERR) or "")
    assert response.headers["allow"]


async def test_ounits_by_id_and_code_hide_hidden_units(world: World) -> None:
    known = await units(world)
    assert world.catalogue is not None
    async with world.catalogue.runtime.database.sessionmaker() as session:
        hidden = [str(u.id) for u in (await session.scalars(sa.select(OrganisationalUnit))).all() if u.hidden]
    response = await world.signed(
        "GET",
        "/ounits",
        params=[("hei_id", SMILE_HEI), ("ounit_id", known["DROIT-EU"]), ("ounit_id", hidden[0]), ("ounit_id", "nope")],
    )
    root = assert_valid_xml(response)
    assert ids(root, f"{OU}ounit-id") == [known["DROIT-EU"]]
    assert ids(root, f"{OU}parent-ounit-id") == [known["DROIT"]]
    assert ids(root, f"{OU}name") == ["Institut d'études européennes"]
    response = await world.signed(
        "GET", "/ounits", params=[("hei_id", SMILE_HEI), ("ounit_code", "DROIT"), ("ounit_code", "SECRET")]
    )
    root = assert_valid_xml(response)
    assert ids(root, f"{OU}ounit-code") == ["DROIT"]
    assert sorted(ids(root, f"{OU}name")) == sorted(["Faculté de droit", "Faculty of Law"])


async def test_courses_with_their_instances(world: World) -> None:
    assert world.course is not None
    los_id = world.course["los_id"]
    response = await world.signed("POST", "/courses", data={"hei_id": SMILE_HEI, "los_id": [los_id, "CR/none"]})
    root = assert_valid_xml(response)
    assert ids(root, f"{CO}los-id") == [los_id]
    assert ids(root, f"{CO}los-code") == ["DRT-EU-301"]
    assert ids(root, f"{CO}ounit-id") == [(await units(world))["DROIT-EU"]]
    assert sorted(ids(root, f"{CO}title")) == sorted(["Advanced EU law", "Droit européen avancé"])
    assert len(ids(root, f"{CO}loi-id")) == 1
    assert ids(root, f"{CO}start") == ["2026-09-01"]
    assert ids(root, f"{{{ns.TERM_V1}}}academic-year-id") == ["2026/2027"]
    assert ids(root, f"{CO}value") == ["5"]
    assert ids(root, f"{CO}languageOfInstruction") == ["fr"]
    assert ids(root, f"{CO}engagementHours") == ["36"]
    by_code = await world.signed(
        "GET", "/courses", params={"hei_id": SMILE_HEI, "los_code": "DRT-EU-301", "lois_after": "2027-02-01"}
    )
    root = assert_valid_xml(by_code)
    assert ids(root, f"{CO}los-id") == [los_id]
    assert ids(root, f"{CO}loi-id") == []  # the autumn term ends before


async def test_course_replication_and_factsheet(world: World) -> None:
    assert world.course is not None
    response = await world.signed(
        "GET", "/course-replication", params={"hei_id": SMILE_HEI, "modified_since": "2026-01-01T00:00:00+01:00"}
    )
    replication = f"{{{ns.api_ns('course-replication', 1)}}}los-id"
    assert ids(assert_valid_xml(response), replication) == [world.course["los_id"]]
    response = await world.signed("GET", "/course-replication", params={"hei_id": SMILE_HEI})
    assert ids(assert_valid_xml(response), replication) == [world.course["los_id"]]
    response = await world.signed("GET", "/factsheet", params=[("hei_id", SMILE_HEI), ("hei_id", "x.example")])
    root = assert_valid_xml(response)
    sheet = f"{{{ns.api_ns('factsheet', 1)}}}"
    assert ids(root, f"{sheet}hei-id") == [SMILE_HEI]
    assert ids(root, f"{sheet}autumn-term") == ["--05-15", "--06-01"]
    assert ids(root, f"{sheet}email") == [
        "incoming@unicaen.fr",
        "incoming@unicaen.fr",  # the ramps' information; the incomplete accessibility entry is left out
        "housing@unicaen.fr",
        "visa@unicaen.fr",
        "insurance@unicaen.fr",
    ]
    assert ids(root, f"{sheet}name") == ["Learning agreement", "Ramps"]


async def test_an_incomplete_or_missing_factsheet_is_an_empty_answer(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The schema requires an e-mail, a phone and a web page for housing, visa, insurance: nothing rather
    than an invalid document; and nothing while the university has no factsheet."""
    assert world.catalogue is not None
    coordinator = world.catalogue.headers("coordinator", hei=SMILE_HEI)
    staff = world.harness.headers("coordinator", hei=SMILE_HEI)
    ready = (await world.harness.client.get("/readiness", headers=staff)).json()
    assert ready["factsheet"] == {
        "served": True,
        "missing": [],
        "left_out": ["accessibility[0] (info: phone, urls missing)"],
        "error": None,
    }

    incomplete = {
        **FACTSHEET,
        "calendar": {**FACTSHEET["calendar"], "nominations_spring": None},
        "decision_weeks_limit": None,
        "visa_info": {"urls": ["https://france-visas.gouv.fr/"]},
    }
    assert (await world.catalogue.client.put("/factsheet", json=incomplete, headers=coordinator)).status_code == 200
    with caplog.at_level(logging.WARNING, logger="smile.ewp.catalogue"):
        response = await world.signed("GET", "/factsheet", params={"hei_id": SMILE_HEI})
    assert response.status_code == 200
    assert len(assert_valid_xml(response)) == 0
    # the staff are told what to fill in, in the catalogue's field names (log and readiness check)
    assert any("visa_info.email" in r.getMessage() and world.partner.hei_id in r.getMessage() for r in caplog.records)
    ready = (await world.harness.client.get("/readiness", headers=staff)).json()
    assert ready == {
        "hei_id": SMILE_HEI,
        "factsheet": {
            "served": False,
            "missing": ["calendar.nominations_spring", "decision_weeks_limit", "visa_info.email", "visa_info.phone"],
            "left_out": ["accessibility[0] (info: phone, urls missing)"],
            "error": None,
        },
    }
    student = world.harness.headers("student", hei=SMILE_HEI)
    assert (await world.harness.client.get("/readiness", headers=student)).status_code == 403
    # the catalogue down: the check says so (partners get 503 and retry meanwhile)
    assert world.owner_transport is not None
    del world.owner_transport.routes["catalogue.test"]
    ready = (await world.harness.client.get("/readiness", headers=staff)).json()
    assert ready["factsheet"]["served"] is False
    assert "cannot read the catalogue's factsheet" in ready["factsheet"]["error"]


async def test_stats_for_the_stats_portal(world: World) -> None:
    response = await world.signed("GET", "/iias/stats")
    assert ids(assert_valid_xml(response), f"{{{ns.api_ns('iias', 7, 'stats-response')}}}iia-fetchable") == ["0"]
    response = await world.signed("GET", "/omobility-la-cnr/stats")
    assert response.status_code == 200
    assert len(assert_valid_xml(response)) == 0  # no incoming learning agreement in agreements yet


async def test_empty_answers_for_unknown_ids(world: World) -> None:
    for path, param in (("/iias/get", "iia_id"), ("/iias-approval", "iia_id"), ("/imobilities/get", "omobility_id")):
        response = await world.signed("POST", path, data={param: ["11111111-2222-3333-4444-555555555555"]})
        assert response.status_code == 200
        assert len(assert_valid_xml(response)) == 0
    response = await world.signed("GET", "/iias/index", params={"modified_since": "2999-01-01T00:00:00Z"})
    assert len(assert_valid_xml(response)) == 0


async def test_a_service_outage_is_a_503_the_partner_retries(world: World) -> None:
    assert world.owner_transport is not None
    world.owner_transport.add("http://catalogue.test", _Down())
    for path, params in (("/institutions", {"hei_id": SMILE_HEI}), ("/factsheet", {"hei_id": SMILE_HEI})):
        response = await world.signed("POST", path, data=params)
        assert response.status_code == 503, path
        assert response.headers["retry-after"] == "60"
        assert "temporarily unavailable" in (assert_valid_xml(response).findtext(ERR) or "")


class _Down(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


async def test_a_cnr_is_answered_at_once_and_queued_once(world: World) -> None:
    for _ in range(2):
        response = await world.signed("POST", "/iia-cnr", data={"iia_id": "partner-iia-1"})
        assert response.status_code == 200
        assert assert_valid_xml(response).tag == f"{{{ns.api_ns('iia-cnr', 3)}}}iia-cnr-response"
    response = await world.signed(
        "POST", "/omobility-la-cnr", data={"sending_hei_id": world.partner.hei_id, "omobility_id": ["m1", "m2"]}
    )
    assert response.status_code == 200
    pending = await world.harness.count(InboundChange.__table__, InboundChange.status == "pending")
    assert pending == 3
    async with world.harness.runtime.database.sessionmaker() as session:
        rows = (await session.scalars(sa.select(InboundChange).order_by(InboundChange.id))).all()
    assert [(r.partner_hei_id, r.api, r.entity_id) for r in rows] == [
        (world.partner.hei_id, "iias", "partner-iia-1"),
        (world.partner.hei_id, "omobility-las", "m1"),
        (world.partner.hei_id, "omobility-las", "m2"),
    ]
    # the international office sees the queue, counts by status and newest first
    office = world.harness.headers("coordinator", hei=SMILE_HEI)
    queue = (await world.harness.client.get("/notifications/inbound", headers=office)).json()
    assert queue["counts"] == {"pending": 3}
    assert [i["entity_id"] for i in queue["items"]] == ["m2", "m1", "partner-iia-1"]
    mine = await world.harness.client.get(
        "/notifications/inbound", params={"partner_hei_id": "other.example", "status": "pending"}, headers=office
    )
    assert mine.json() == {"counts": {}, "items": []}
