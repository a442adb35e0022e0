"""IIAs imported from a spreadsheet export, IIA by IIA, with a report for every row."""

from __future__ import annotations

from smile_agreements.definition import DEFINITION
from smile_agreements.iias.models import Iia

from .iia_helpers import add_partner, get_iia, office

HEADER = (
    "IIA code,Partner SCHAC,Mobility type,Direction,Start academic year,End academic year,"
    "Mobilities per year,Total months per year,Total days per year,ISCED,ISCED clarification,"
    "Study level,Languages,Blended\n"
)
GOOD = (
    "UC-UIO-2026,uio.no,Student studies,incoming,2026/2027,2028/29,3,15,,0311;0314,Economics,"
    '"Bachelor;Master","fr B2, en C1",no\n'
    "UC-UIO-2026,uio.no,SMS,outgoing,2026/2027,2028/2029,3,15,,0311,,6;7,no:B1,no\n"
    "UC-UIO-2026,uio.no,Staff teaching,incoming,2026-2027,2027-2028,1,,5,0311,,,fr B1,\n"
)
BAD = (
    "UC-BAD-2026,uio.no,Student studies,incoming,2026/2027,2025/2026,2,,,0311,,,fr,no\n"
    "UC-BAD-2026,uio.no,Staff training,outgoing,2026/2027,2027/2028,1,,,,,,,\n"
    "UC-X-2026,nowhere.example,Student studies,incoming,2026/2027,2027/2028,1,,,,,,fr,no\n"
    "UC-Y-2026,uio.no,Exchange of cooks,incoming,2026/2027,2027/2028,1,,,,,,fr,no\n"
    "UC-Z-2026,uio.no,Student studies,incoming,2026/2027,2027/2028,-1,,,031,,,fr X9,no\n"
)


async def _import(h, text: str, **params: object):  # type: ignore[no-untyped-def]
    return await h.client.post(
        "/iias/import", params=params, content=text.encode(), headers={**office(h), "Content-Type": "text/csv"}
    )


async def test_a_spreadsheet_of_conditions_becomes_iias_with_a_row_report(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h, "uio.no", names={"en": "University of Oslo"}, country="NO")
    dry = await _import(h, HEADER + GOOD + BAD, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert await h.count(Iia.__table__) == 0

    report = (await _import(h, HEADER + GOOD + BAD)).json()
    rows = {line["row"]: line for line in report["report"]}
    assert [rows[n]["status"] for n in (2, 3, 4)] == ["created"] * 3
    assert rows[2]["id"] == rows[3]["id"] == rows[4]["id"]
    # one bad row refuses its whole IIA, with the reason on that row
    assert rows[5]["status"] == "error"
    assert any("precedes" in m for m in rows[5]["messages"])
    assert rows[6]["status"] == "error"
    assert rows[6]["messages"] == ["refused with the other rows of IIA UC-BAD-2026"]
    assert "nowhere.example" in rows[7]["messages"][0]
    assert "mobility type" in rows[8]["messages"][0]
    # ISCED not 4 digits, a CEFR level that does not exist, a negative number: each said
    fields = sorted(m.split(":")[0] for m in rows[9]["messages"])
    assert fields == ["mobilities_per_year", "recommended_language_skills.0.cefr_level", "subject_areas.0.isced_f_code"]
    assert (report["created"], report["errors"]) == (3, 5)

    iia = await get_iia(h, rows[2]["id"])
    assert iia["status"] == "draft"
    studies = iia["cooperation_conditions"][0]
    assert studies["receiving_last_academic_year_id"] == "2028/2029"
    assert studies["eqf_levels"] == [6, 7]
    assert [s["language"] for s in studies["recommended_language_skills"]] == ["fr", "en"]
    assert studies["subject_areas"][0] == {"isced_f_code": "0311", "isced_clarification": "Economics", "v6_value": None}
    teaching = iia["cooperation_conditions"][2]
    assert (teaching["type"], teaching["total_days_per_year"]) == ("staff_teacher", 5)

    # the same file again changes nothing; a changed number amends the IIA, keeping the condition ids
    again = (await _import(h, HEADER + GOOD)).json()
    assert {line["status"] for line in again["report"]} == {"unchanged"}
    amended = (await _import(h, HEADER + GOOD.replace(",3,15,,0311;0314", ",4,15,,0311;0314"))).json()
    assert {line["status"] for line in amended["report"]} == {"updated"}
    after = await get_iia(h, rows[2]["id"])
    assert after["version"] == iia["version"] + 1
    assert after["cooperation_conditions"][0]["mobilities_per_year"] == 4
    assert [c["id"] for c in after["cooperation_conditions"]] == [c["id"] for c in iia["cooperation_conditions"]]


async def test_a_file_without_the_needed_columns_is_refused(make_harness) -> None:
    h = await make_harness(DEFINITION)
    response = await _import(h, "Partner,Places\nuio.no,3\n")
    assert response.status_code == 422
    assert response.json()["type"] == "urn:smile:problem:missing-columns"
    empty = await _import(h, "")
    assert empty.status_code == 422
