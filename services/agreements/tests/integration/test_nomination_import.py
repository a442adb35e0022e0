"""Nominations from a CSV file, and the gateway's read of actual dates."""

from __future__ import annotations

from smile_agreements.definition import DEFINITION
from smile_agreements.mobilities.models import Mobility

from .helpers import create, office

HEADER = (
    "given_names;family_name;email;birth_date;sending_hei_id;receiving_ounit_code;"
    "academic_year;academic_term;eqf_level;isced_code;languages\n"
)
LUKAS = (
    "Lukas;Müller;lukas.mueller@uni-heidelberg.de;2002-01-20;uni-heidelberg.de;DROIT;2026/2027;2026/2027-1/2;6;0421;"
)
GOOD = (
    HEADER
    + LUKAS
    + "fr:B1 en:C1\n"
    + "Chiara;Rossi;chiara.rossi@studenti.unibo.it;2001-07-03;unibo.it;ECO;2026/2027;2026/2027-2/2;7;0311;fr:B2\n"
)


async def _post(h, body: str, *, query: str = ""):  # type: ignore[no-untyped-def]
    headers = {**office(h), "Content-Type": "text/csv"}
    return await h.client.post(f"/mobilities/import{query}", content=body.encode(), headers=headers)


async def test_a_csv_of_nominations_creates_each_one(make_harness) -> None:
    h = await make_harness(DEFINITION)
    dry = await _post(h, GOOD, query="?dry_run=true")
    assert dry.status_code == 201
    assert dry.json()["created"] == 2
    assert await h.count(Mobility.__table__) == 0

    response = await _post(h, GOOD)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    listed = (await h.client.get("/mobilities", headers=office(h))).json()["items"]
    assert [m["student"]["family_name"] for m in listed] == ["Müller", "Rossi"]
    assert listed[0]["source"] == "csv"
    assert listed[0]["language_skills"] == [
        {"language": "fr", "cefr_level": "B1"},
        {"language": "en", "cefr_level": "C1"},
    ]


async def test_one_bad_row_rejects_the_whole_file_with_row_numbers(make_harness) -> None:
    h = await make_harness(DEFINITION)
    bad = GOOD + "Jan;Novak;jan@cuni.cz;2002-13-40;cuni.cz;SCI;2026/2027;2026/2027-1/2;6;0613;\n"
    bad += LUKAS + "\n"
    response = await _post(h, bad)
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:smile:problem:csv-rejected"
    rows = {r["row"]: r["errors"] for r in body["rows"]}
    assert set(rows) == {4, 5}
    assert "birth_date" in rows[4][0]
    assert "already" in rows[5][0]  # the same student twice in one file
    assert await h.count(Mobility.__table__) == 0

    unknown_column = await _post(h, "given_names,family_name,shoe_size\nA,B,42\n")
    assert unknown_column.status_code == 422
    not_csv = await h.client.post(
        "/mobilities/import", content=b"{}", headers={**office(h), "Content-Type": "application/json"}
    )
    assert not_csv.status_code == 415


async def test_the_gateway_reads_actual_dates_of_incoming_mobilities(make_harness) -> None:
    h = await make_harness(DEFINITION)
    created = await create(h)
    url = f"/mobilities/{created['id']}"
    await h.client.post(f"{url}/accept", json={}, headers=office(h))
    await h.client.post(f"{url}/arrival", json={"date": "2026-09-03"}, headers=office(h))
    # manual nominations have no EWP id: nothing to serve
    service = {**h.headers("service", hei="*"), "X-Smile-Tenant": "unicaen.fr"}
    empty = await h.client.get("/internal/imobilities", params={"omobility_id": "x"}, headers=service)
    assert empty.json() == {"items": []}
    forbidden = await h.client.get("/internal/imobilities", params={"omobility_id": "x"}, headers=office(h))
    assert forbidden.status_code == 403
