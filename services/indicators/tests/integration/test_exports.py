"""Exports for BI tools: every indicator and the anonymised facts, in CSV, XLSX and JSON, streamed."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tracemalloc
import uuid
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from smile_indicators.exports.datasets import DATASETS
from smile_indicators.facts.mobility import mobility_fact
from smile_indicators.figures import clock
from smile_indicators.figures.registry import INDICATORS

from . import scenario
from .conftest import deliver, headers, started


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: scenario.NOW)


async def _get(harness: Any, path: str, role: str = "analyst", **params: Any) -> Any:
    response = await harness.client.get(path, params=params, headers=headers(harness, role))
    assert response.status_code == 200, response.text
    return response


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_an_indicator_exports_as_its_breakdown_in_every_format(make_harness, smile_bus) -> None:
    h = await started(make_harness)
    await deliver(h, smile_bus, scenario.scenario())
    path = "/figures/incoming-students/export"
    rows = _csv(await _get(h, path, by="country", format="csv"))
    assert rows == [
        {"country": "DE", "students": "2", "arrived": "2", "completed": "2", "through_ewp": "1"},
        {"country": "IT", "students": "2", "arrived": "1", "completed": "0", "through_ewp": "1"},
        {"country": "PL", "students": "1", "arrived": "1", "completed": "0", "through_ewp": "1"},
    ]
    as_json = json.loads((await _get(h, path, by="country", format="json")).content)
    assert as_json[0] == {"country": "DE", "students": 2, "arrived": 2, "completed": 2, "through_ewp": 1}
    xlsx = openpyxl.load_workbook(io.BytesIO((await _get(h, path, by="country", format="xlsx")).content))
    sheet = xlsx.active
    assert [c.value for c in sheet[1]] == ["country", "students", "arrived", "completed", "through_ewp"]
    assert [c.value for c in sheet[2]] == ["DE", 2, 2, 2, 1]
    totals = _csv(await _get(h, "/figures/learning-agreement-turnaround/export"))
    assert totals[0]["median_days"] == "15.0"
    assert totals[0]["ewp_share"] == "0.75"
    # every indicator has its export, with the filters of its figure
    for item in INDICATORS:
        response = await h.client.get(f"/figures/{item.slug}/export", headers=headers(h, "analyst"))
        assert response.status_code == 200, item.slug
        assert response.text.splitlines()[0] == ",".join(item.measure_names)


async def test_the_facts_are_anonymised_and_joinable(make_harness, smile_bus) -> None:
    h = await started(make_harness)
    await deliver(h, smile_bus, scenario.scenario())
    response = await _get(h, "/datasets/mobilities/export")
    text = response.text
    for secret in ("Student", "@student.example", str(scenario.uid("mobility:M1")), "M1"):
        assert secret not in text
    mobilities = _csv(response)
    assert len(mobilities) == 8
    assert list(mobilities[0]) == list(DATASETS[0].columns)
    [m1] = [m for m in mobilities if m["transcript_days_after_end"] == "20.0"]
    assert (m1["partner"], m1["country"], m1["faculty"], m1["organisational_unit"]) == (
        "uni-koeln.de",
        "DE",
        "DROIT",
        "DROIT-EU",
    )
    assert (m1["ects_planned"], m1["ects_obtained"], m1["decision_days"], m1["duration_days"]) == (
        "30.0",
        "30.0",
        "4.0",
        "152.0",
    )
    assert (m1["nominated_month"], m1["arrival_month"], m1["status"]) == ("2025-04", "2025-09", "completed")
    transcripts = _csv(await _get(h, "/datasets/transcripts/export"))
    assert m1["mobility_key"] in {t["mobility_key"] for t in transcripts}
    surveys = json.loads((await _get(h, "/datasets/surveys/export", format="json")).content)
    assert sorted(s["mobility_key"] is None for s in surveys) == [False, False, True]
    for dataset in DATASETS:
        sheet = openpyxl.load_workbook(
            io.BytesIO((await _get(h, f"/datasets/{dataset.name}/export", format="xlsx")).content), read_only=True
        ).active
        assert next(sheet.iter_rows(values_only=True)) == tuple(dataset.columns)
    listed = (await _get(h, "/datasets")).json()
    assert [d["name"] for d in listed] == [d.name for d in DATASETS]


async def test_dataset_exports_are_for_full_readers_and_audited(make_harness) -> None:
    h = await started(make_harness)
    referent = await h.client.get("/datasets/mobilities/export", headers=h.headers("referent", ounits=["SCI"]))
    assert referent.status_code == 403
    bad = await h.client.get("/datasets/mobilities/export", params={"year": "2025"}, headers=headers(h, "analyst"))
    assert bad.status_code == 400
    await _get(h, "/datasets/courses/export", format="json")
    audit = await h.client.get("/data-protection/audit", params={"object_type": "dataset"}, headers=headers(h, "dpo"))
    assert [(e["action"], e["object_id"]) for e in audit.json()["items"]] == [("exported", "courses")]


async def test_a_large_export_streams_in_chunks_with_little_memory(make_harness) -> None:
    h = await started(make_harness)
    auth = headers(h, "analyst")
    await _insert_mobilities(h, 5_000)
    await _asgi_get(h.app, "/datasets/mobilities/export", auth)  # warm the caches (statements, imports)
    measures = []
    for added in (0, 15_000):
        await _insert_mobilities(h, added)
        tracemalloc.start()
        try:
            status, chunks = await _asgi_get(h.app, "/datasets/mobilities/export", auth)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert status == 200
        measures.append((sum(lines for lines, _ in chunks) - 1, peak, sum(size for _, size in chunks), len(chunks)))
    (rows, small_peak, _, _), (more_rows, peak, _, chunk_count) = measures
    assert (rows, more_rows) == (5_000, 20_000)
    assert chunk_count > 40  # sent as it is written, in chunks of about 64 KiB
    # four times the rows (3 MB of CSV), no more memory: the rows are never all held at once
    assert peak < small_peak * 1.25, measures


async def _asgi_get(app: Any, path: str, auth: dict[str, str]) -> tuple[int, list[tuple[int, int]]]:
    """Call the ASGI app as a server would, keeping only the size of each body chunk sent."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in auth.items()],
        "server": ("test", 80),
        "client": ("127.0.0.1", 1),
    }
    status, chunks = 0, []
    requested, done = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays connected until the whole body has arrived
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            if message.get("body"):
                chunks.append((message["body"].count(b"\n"), len(message["body"])))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, chunks


async def _insert_mobilities(harness: Any, count: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    if not count:
        return
    rows = [
        {
            "tenant": "unicaen.fr",
            "mobility_id": uuid.uuid4(),
            "status": "completed",
            "source": "ewp",
            "sending_hei_id": f"partner-{i % 300}.example",
            "receiving_ounit_code": f"UNIT-{i % 40}",
            "academic_year": "2025/2026",
            "academic_term": "2025/2026-1/2",
            "planned_arrival_on": date(2025, 9, 1),
            "planned_departure_on": date(2026, 1, 31),
            "actual_arrival_on": date(2025, 9, 2),
            "actual_departure_on": date(2026, 1, 30),
            "eqf_level": 6,
            "isced_code": "0421",
            "given_names": "Someone",
            "family_name": "Student",
            "email": "x@student.example",
            "citizenship": "DE",
            "first_seen_at": now,
            "accepted_at": now,
            "programme": "erasmus+",
            "state_at": now,
            "state_event": str(i),
        }
        for i in range(count)
    ]
    async with harness.runtime.database.sessionmaker() as session, session.begin():
        for start in range(0, count, 5000):
            await session.execute(sa.insert(mobility_fact), rows[start : start + 5000])
