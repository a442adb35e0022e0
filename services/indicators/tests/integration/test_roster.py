"""The crisis roster: who is here on a day or during a period, for authorised roles only, every access audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest

from smile_indicators.definition import DEFINITION
from smile_indicators.figures import clock
from smile_indicators.roster.service import COLUMNS

from . import scenario
from .conftest import deliver, headers, started

JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: scenario.NOW)


async def _ready(make_harness: Any, smile_bus: Any, **overrides: Any) -> Any:
    if overrides:
        harness = await make_harness(DEFINITION, **overrides)
        await harness.start_worker()
    else:
        harness = await started(make_harness)
    await deliver(harness, smile_bus, scenario.scenario())
    return harness


async def _roster(harness: Any, role: str = "coordinator", **params: Any) -> Any:
    return await harness.client.get("/roster", params=params, headers=headers(harness, role))


async def _audit(harness: Any, action: str) -> list[dict[str, Any]]:
    response = await harness.client.get(
        "/data-protection/audit",
        params={"object_type": "crisis_roster", "action": action},
        headers=headers(harness, "dpo"),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_today_only_the_student_under_way_is_here(make_harness, smile_bus) -> None:
    h = await _ready(make_harness, smile_bus)
    response = await _roster(h)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-11-29", "2026-11-29")
    assert (body["total"], body["confirmed"], body["expected"]) == (1, 1, 0)
    [m6] = body["students"]
    assert m6["given_names"] == "M6"
    assert m6["email"] == "m6@student.example"
    assert (m6["origin_country"], m6["city"], m6["faculty"], m6["presence"]) == ("PL", "Caen", "SCI", "confirmed")


async def test_a_period_counts_students_by_country_city_and_faculty(make_harness, smile_bus) -> None:
    h = await _ready(make_harness, smile_bus)
    body = (await _roster(h, **JANUARY)).json()
    # M1, M2 and M5 arrived; M8 only planned to be here; M6 comes later in the year
    assert [s["given_names"] for s in body["students"]] == ["M1", "M2", "M5", "M8"]
    assert (body["total"], body["confirmed"], body["expected"]) == (4, 3, 1)
    assert body["by_country"] == [{"key": "DE", "students": 2}, {"key": "IT", "students": 2}]
    assert body["by_city"] == [{"key": "Caen", "students": 2}, {"key": "Cherbourg-en-Cotentin", "students": 2}]
    assert body["by_faculty"] == [
        {"key": "IUT-CHERBOURG", "students": 2},
        {"key": "DROIT", "students": 1},
        {"key": "SCI", "students": 1},
    ]
    arrived = (await _roster(h, include_expected="false", **JANUARY)).json()
    assert arrived["total"] == 3
    cherbourg = (await _roster(h, city="Cherbourg-en-Cotentin", **JANUARY)).json()
    assert [s["given_names"] for s in cherbourg["students"]] == ["M5", "M8"]
    germans = (await _roster(h, country="de", **JANUARY)).json()
    assert [s["sending_institution_name"] for s in germans["students"]] == ["Universität zu Köln"] * 2


async def test_the_export_for_a_crisis_cell_in_every_format(make_harness, smile_bus) -> None:
    h = await _ready(make_harness, smile_bus)
    auth = headers(h, "coordinator")
    as_csv = await h.client.get("/roster/export", params={**JANUARY, "format": "csv"}, headers=auth)
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert table[0] == list(COLUMNS)
    assert [row[COLUMNS.index("given_names")] for row in table[1:]] == ["M1", "M2", "M5", "M8"]

    as_json = await h.client.get("/roster/export", params={**JANUARY, "format": "json"}, headers=auth)
    assert [s["email"] for s in json.loads(as_json.content)] == [f"m{i}@student.example" for i in (1, 2, 5, 8)]

    as_xlsx = await h.client.get("/roster/export", params={**JANUARY, "format": "xlsx"}, headers=auth)
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == list(COLUMNS)
    assert len(values) == 5
    assert values[1][COLUMNS.index("arrival_on")] == "2025-09-01"

    exports = await _audit(h, "read")
    assert sorted(json.loads(e["detail"])["export"] for e in exports) == ["csv", "json", "xlsx"]


async def test_only_authorised_roles_and_every_access_is_audited(make_harness, smile_bus) -> None:
    h = await _ready(make_harness, smile_bus)
    assert (await _roster(h)).status_code == 200
    for role in ("analyst", "student", "referent"):
        refused = await _roster(h, role)
        assert refused.status_code == 403, role
        assert refused.json()["required_roles"] == ["admin", "coordinator"]
    assert (await h.client.get("/roster")).status_code == 401
    other = await h.client.get("/roster", params=JANUARY, headers=h.headers("coordinator", hei="unirennes.fr"))
    assert other.json()["total"] == 0

    [read] = await _audit(h, "read")  # Rennes's access is in Rennes's trail, not ours
    assert json.loads(read["detail"]) == {"filters": {"from": "2026-11-29", "to": "2026-11-29"}, "students": 1}
    assert read["actor_id"] == "user-coordinator"
    denied = await _audit(h, "read_denied")
    assert sorted(e["actor_id"] for e in denied) == ["user-analyst", "user-referent", "user-student"]


async def test_the_roles_are_the_university_s_choice(make_harness, smile_bus) -> None:
    h = await _ready(make_harness, smile_bus, indicators_roster_roles=["analyst"])
    assert (await _roster(h, "analyst")).status_code == 200
    assert (await _roster(h, "coordinator")).status_code == 403


async def test_bad_roster_queries_are_problems(make_harness, smile_bus) -> None:
    h = await _ready(make_harness, smile_bus)

    async def slug(**params: Any) -> str:
        response = await _roster(h, **params)
        assert response.status_code == 400, response.text
        return str(response.json()["type"]).rsplit(":", 1)[-1]

    assert await slug(**{"from": "2026-02-01", "to": "2026-01-01"}) == "invalid-date-range"
    assert await slug(at="2026-01-01", **{"from": "2026-01-01"}) == "invalid-filter"
    assert await slug(at="yesterday") == "invalid-filter"
    assert await slug(country="Germany") == "invalid-filter"
    assert await slug(faculty="ASTRONOMY") == "unknown-filter-value"
    assert await slug(colour="red") == "invalid-filter"
    assert await _audit(h, "read") == []
