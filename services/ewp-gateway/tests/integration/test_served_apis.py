"""The EWP APIs SMILE serves, as a partner calls them: valid XML, limits, unknown ids, filters, methods."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from smile_ewp_gateway.db import InboundChange
from smile_ewp_gateway.testpartner.owners import ELMO_V2_EXAMPLE
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml
from smile_ewp_gateway.xmlkit import ns

ERR = f"{{{ns.COMMON}}}developer-message"
INST = f"{{{ns.api_ns('institutions', 2)}}}"
OU = f"{{{ns.api_ns('ounits', 2)}}}"
CO = f"{{{ns.api_ns('courses', 1)}}}"


def ids(root: object, tag: str) -> list[str]:
    return [e.text or "" for e in root.iter(tag)]  # type: ignore[attr-defined]


async def test_institutions_serves_the_university_and_names_known_institutions(world: World) -> None:
    response = await world.signed(
        "POST", "/institutions", data={"hei_id": [SMILE_HEI, world.partner.hei_id, "unknown.example"]}
    )
    assert response.status_code == 200
    root = assert_valid_xml(response)
    assert ids(root, f"{INST}hei-id") == [SMILE_HEI, world.partner.hei_id]
    assert "Université de Caen Normandie" in ids(root, f"{INST}name")
    assert ids(root, f"{INST}root-ounit-id") == ["ou-root"]
    assert world.owners.calls[0][0] == SMILE_HEI  # asked the catalogue for this university


BAD_PARAMETERS: list[tuple[str, list[tuple[str, str]], str]] = [
    ("/institutions", [("hei_id", f"x{i}.example") for i in range(101)], "too many hei_id"),
    ("/institutions", [], "hei_id is required"),
    ("/ounits", [("hei_id", "other.example"), ("ounit_id", "ou-law")], "unknown hei_id"),
    ("/ounits", [("hei_id", SMILE_HEI), ("hei_id", SMILE_HEI), ("ounit_id", "ou-law")], "once"),
    ("/ounits", [("hei_id", SMILE_HEI), ("ounit_id", "ou-law"), ("ounit_code", "DROIT")], "not both"),
    ("/ounits", [("hei_id", SMILE_HEI)], "is required"),
    ("/ounits", [("hei_id", SMILE_HEI)] + [("ounit_id", f"u{i}") for i in range(101)], "too many"),
    ("/courses", [("hei_id", SMILE_HEI), ("los_id", "CR/8d1e"), ("lois_before", "01/01/2027")], "YYYY-MM-DD"),
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
    response = await world.signed(
        "GET",
        "/ounits",
        params=[("hei_id", SMILE_HEI), ("ounit_id", "ou-law"), ("ounit_id", "ou-hidden"), ("ounit_id", "nope")],
    )
    assert ids(assert_valid_xml(response), f"{OU}ounit-id") == ["ou-law"]
    response = await world.signed("GET", "/ounits", params=[("hei_id", SMILE_HEI), ("ounit_code", "DROIT")])
    root = assert_valid_xml(response)
    assert ids(root, f"{OU}ounit-code") == ["DROIT"]
    assert ids(root, f"{OU}parent-ounit-id") == ["ou-root"]


async def test_courses_with_their_instances(world: World) -> None:
    response = await world.signed("POST", "/courses", data={"hei_id": SMILE_HEI, "los_id": ["CR/8d1e", "CR/none"]})
    root = assert_valid_xml(response)
    assert ids(root, f"{CO}los-id") == ["CR/8d1e"]
    assert ids(root, f"{CO}loi-id") == ["CRI/5c3a"]
    assert ids(root, f"{CO}value") == ["5"]


async def test_course_replication_and_factsheet(world: World) -> None:
    response = await world.signed(
        "GET", "/course-replication", params={"hei_id": SMILE_HEI, "modified_since": "2026-01-01T00:00:00+01:00"}
    )
    assert ids(assert_valid_xml(response), f"{{{ns.api_ns('course-replication', 1)}}}los-id") == ["CR/8d1e"]
    response = await world.signed("GET", "/factsheet", params=[("hei_id", SMILE_HEI), ("hei_id", "x.example")])
    root = assert_valid_xml(response)
    assert ids(root, f"{{{ns.api_ns('factsheet', 1)}}}hei-id") == [SMILE_HEI]
    world.owners.factsheet.pop("visa_info")  # incomplete: nothing rather than an invalid document
    response = await world.signed("GET", "/factsheet", params={"hei_id": SMILE_HEI})
    assert len(assert_valid_xml(response)) == 0


async def test_transcripts_are_served_to_the_sending_university_only(world: World) -> None:
    world.owners.tors.append(
        {
            "omobility_id": "m-1",
            "sending_hei_id": world.partner.hei_id,
            "receiving_academic_year_id": "2026/2027",
            "elmo_xml": ELMO_V2_EXAMPLE,
            "grade_conversion_table": [{"isced_code": "0421", "frequencies": [{"label": "A", "percentage": 12.5}]}],
        }
    )
    world.owners.tors.append(
        {
            "omobility_id": "m-2",
            "sending_hei_id": "other.example",
            "receiving_academic_year_id": "2026/2027",
            "elmo_xml": ELMO_V2_EXAMPLE,
        }
    )
    response = await world.signed("POST", "/imobility-tors/get", data={"omobility_id": ["m-1", "m-2"]})
    root = assert_valid_xml(response)
    tor = f"{{{ns.api_ns('imobility-tors', 3, 'get-response')}}}"
    assert ids(root, f"{tor}omobility-id") == ["m-1"]
    response = await world.signed("GET", "/imobility-tors/index")
    assert ids(assert_valid_xml(response), f"{{{ns.api_ns('imobility-tors', 3, 'index-response')}}}omobility-id") == [
        "m-1"
    ]


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
    world.owners.down = True
    response = await world.signed("POST", "/institutions", data={"hei_id": SMILE_HEI})
    assert response.status_code == 503
    assert "temporarily unavailable" in (assert_valid_xml(response).findtext(ERR) or "")


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
