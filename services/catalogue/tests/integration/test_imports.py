"""Imports of the offer from files (SMILE CSV, JSON, Apogée exports): idempotent, reported row by row,
all or nothing, as a background job through the API or from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from smile_catalogue.courses.models import Course
from smile_catalogue.db import metadata
from smile_catalogue.definition import DEFINITION
from smile_catalogue.imports import cli
from smile_catalogue.imports.models import ImportJob
from smile_catalogue.imports.service import claim_next, run_job, statistics_refreshed
from smile_common.audit import audit_table_for
from smile_common.testing.harness import ServiceHarness
from smile_common.testing.wait import eventually

from .conftest import HEI, editor, load_reference

OUTBOX = DEFINITION.tables.outbox
COURSES = Course.__table__

HEADER = "code;title_fr;title_en;ects;unit;isced;eqf;languages;terms;programmes;schedule;capacity;assessment"
ROWS = [
    "DRT-EU-101;Droit de l'Union européenne;European Union law;6;DROIT;0421;6;fr:B2;2026-S1;L-DROIT;"
    "mon 08:00-10:00 weeks=36-41;30;written_exam:60|continuous:40",
    "INF-ALG-201;Algorithmique;Algorithms;5;SCI-INFO;0613;6;fr:B1|en:B2;2026-S2;M-INFO;thu 14h00-16h00;;project",
    "LNG-FLE-100;Français langue étrangère;French as a foreign language;3,5;LANG;0231;5;fr:A2;2026-S1|2026-S2;;;;",
]


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


async def upload(harness: ServiceHarness, content: bytes, *, params: dict[str, Any] | None = None, **kw: Any) -> Any:
    headers = {**editor(harness), "Content-Type": kw.pop("content_type", "text/csv")}
    response = await harness.client.post("/imports", content=content, params=params or {}, headers=headers)
    return response


async def run_queued(harness: ServiceHarness, hei: str = HEI) -> dict[str, Any]:
    """Run the queued job as the worker would, and return it as the API shows it."""
    job_id = await claim_next(harness.runtime)
    assert job_id is not None
    await run_job(harness.runtime, job_id)
    response = await harness.client.get(f"/imports/{job_id}", headers=editor(harness, hei))
    assert response.status_code == 200
    job: dict[str, Any] = response.json()
    return job


async def import_csv(harness: ServiceHarness, content: bytes, **params: Any) -> dict[str, Any]:
    response = await upload(harness, content, params=params)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    return await run_queued(harness)


async def report(harness: ServiceHarness, job: dict[str, Any], *outcomes: str) -> list[dict[str, Any]]:
    params = {"outcome": list(outcomes)} if outcomes else {}
    response = await harness.client.get(f"/imports/{job['id']}/report", params=params, headers=editor(harness))
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


async def staff_course(harness: ServiceHarness, code: str) -> dict[str, Any]:
    found = await harness.client.get(
        "/courses", params={"q": code, "status": ["draft", "published"]}, headers=editor(harness)
    )
    items = [item for item in found.json()["items"] if item["code"] == code]
    assert len(items) == 1, found.text
    course = await harness.client.get(f"/courses/{items[0]['id']}", headers=editor(harness))
    result: dict[str, Any] = course.json()
    return result


async def test_a_csv_file_creates_draft_courses_and_reimporting_it_changes_nothing(catalogue) -> None:
    job = await import_csv(catalogue, csv_file(*ROWS))
    assert job["status"] == "succeeded"
    assert job["summary"]["created"] == 3
    assert job["summary"]["rejected"] == 0
    assert job["total_rows"] == job["processed_rows"] == 3
    eu = await staff_course(catalogue, "DRT-EU-101")
    assert eu["status"] == "draft"
    assert eu["source"] == "csv"
    assert eu["title"] == {"fr": "Droit de l'Union européenne", "en": "European Union law"}
    assert eu["schedule"][0]["weeks"] == [36, 37, 38, 39, 40, 41]
    assert eu["assessment"] == [
        {"method": "written_exam", "weight": 60, "description": {}},
        {"method": "continuous", "weight": 40, "description": {}},
    ]
    fle = await staff_course(catalogue, "LNG-FLE-100")
    assert fle["ects"] == "3.50" or float(fle["ects"]) == 3.5
    assert fle["term_codes"] == ["2026-S1", "2026-S2"]
    algo = await staff_course(catalogue, "INF-ALG-201")
    assert algo["schedule"][0]["start"] == "14:00:00"
    public = await catalogue.client.get("/courses", params={"hei": HEI})
    assert public.json()["total"] == 0  # drafts are not public
    assert await catalogue.count(OUTBOX, OUTBOX.c.event_type.like("catalogue.course.%")) == 0

    again = await import_csv(catalogue, csv_file(*ROWS))
    assert again["status"] == "succeeded"
    assert (again["summary"]["created"], again["summary"]["updated"], again["summary"]["unchanged"]) == (0, 0, 3)
    assert (await staff_course(catalogue, "DRT-EU-101"))["version"] == eu["version"]

    changed = ROWS[0].replace(";30;", ";25;")
    third = await import_csv(catalogue, csv_file(changed, *ROWS[1:]))
    assert (third["summary"]["updated"], third["summary"]["unchanged"]) == (1, 2)
    updated = await staff_course(catalogue, "DRT-EU-101")
    assert updated["capacity"] == 25
    assert updated["version"] == eu["version"] + 1
    assert [r["code"] for r in await report(catalogue, third, "updated")] == ["DRT-EU-101"]


async def test_published_imports_announce_each_course_and_later_changes(catalogue) -> None:
    job = await import_csv(catalogue, csv_file(*ROWS), publish="true")
    assert job["summary"]["created"] == 3
    published = OUTBOX.c.event_type == "catalogue.course.published.v1"
    assert await catalogue.count(OUTBOX, published) == 3
    search = await catalogue.client.get("/courses", params={"hei": HEI, "q": "algorithms"})
    assert [item["code"] for item in search.json()["items"]] == ["INF-ALG-201"]
    facets = await catalogue.client.get("/courses", params={"hei": HEI, "unit": "SCI"})
    assert [item["code"] for item in facets.json()["items"]] == ["INF-ALG-201"]  # the department is in SCI

    renamed = ROWS[1].replace(";Algorithms;", ";Algorithms and data structures;")
    await import_csv(catalogue, csv_file(ROWS[0], renamed, ROWS[2]), publish="true")
    updated = OUTBOX.c.event_type == "catalogue.course.updated.v1"
    assert await catalogue.count(OUTBOX, updated) == 1
    assert await catalogue.count(OUTBOX, published) == 3
    search = await catalogue.client.get("/courses", params={"hei": HEI, "q": "structures"})
    assert [item["code"] for item in search.json()["items"]] == ["INF-ALG-201"]


BAD_ROWS = {
    "ECO-ZERO-1;Économie;Economics;0;DROIT;0311;6;fr:B1;2026-S1;;;;": "ects",
    "ECO-HUGE-1;Économie;Economics;500;DROIT;0311;6;fr:B1;2026-S1;;;;": "ects",
    "ECO-UNIT-1;Économie;Economics;5;NOPE;0311;6;fr:B1;2026-S1;;;;": "organisational_unit_code",
    "ECO-ISCD-1;Économie;Economics;5;DROIT;03x1;6;fr:B1;2026-S1;;;;": "isced_code",
    "ECO-CEFR-1;Économie;Economics;5;DROIT;0311;6;fr:B3;2026-S1;;;;": "languages",
    "ECO-TERM-1;Économie;Economics;5;DROIT;0311;6;fr:B1;2031-S9;;;;": "term_codes",
    "ECO SPACE;Économie;Economics;5;DROIT;0311;6;fr:B1;2026-S1;;;;": "code",
    "ECO-SLOT-1;Économie;Economics;5;DROIT;0311;6;fr:B1;2026-S1;;someday 8-9;;": "schedule",
    "ECO-WGHT-1;Économie;Economics;5;DROIT;0311;6;fr:B1;2026-S1;;;;written_exam:70|project:50": "assessment",
    "DRT-EU-101;Doublon;Duplicate;5;DROIT;0421;6;fr:B1;2026-S1;;;;": "code",
}


async def test_a_file_with_bad_rows_writes_nothing_and_says_why_row_by_row(catalogue) -> None:
    job = await import_csv(catalogue, csv_file(*ROWS, *BAD_ROWS))
    assert job["status"] == "rejected"
    assert job["summary"]["rejected"] == len(BAD_ROWS)
    assert job["summary"]["applied"] is False
    assert await catalogue.count(COURSES) == 0
    assert await catalogue.count(OUTBOX, OUTBOX.c.event_type.like("catalogue.course.%")) == 0
    rejected = await report(catalogue, job, "rejected")
    assert [row["line"] for row in rejected] == list(range(5, 5 + len(BAD_ROWS)))
    for row, field in zip(rejected, BAD_ROWS.values(), strict=True):
        assert row["errors"], row
        assert field in [str(part) for error in row["errors"] for part in error["loc"]], row
    duplicate = rejected[-1]
    assert "line 2" in duplicate["errors"][0]["msg"]


async def test_a_partial_import_applies_the_valid_rows_only_when_asked(catalogue) -> None:
    job = await import_csv(catalogue, csv_file(*ROWS, *list(BAD_ROWS)[:2]), allow_partial="true")
    assert job["status"] == "succeeded"
    assert (job["summary"]["created"], job["summary"]["rejected"]) == (3, 2)
    assert await catalogue.count(COURSES) == 3


async def test_a_dry_run_reports_and_writes_nothing(catalogue) -> None:
    job = await import_csv(catalogue, csv_file(*ROWS), dry_run="true")
    assert job["status"] == "succeeded"
    assert job["summary"]["created"] == 3
    assert job["summary"]["applied"] is False
    assert await catalogue.count(COURSES) == 0


async def test_latin1_and_bom_files_are_read_with_their_accents(catalogue) -> None:
    latin = csv_file(ROWS[2]).decode().encode("latin-1")
    job = await import_csv(catalogue, latin)
    assert job["status"] == "succeeded", job
    assert job["summary"]["encoding"] == "windows-1252"
    assert (await staff_course(catalogue, "LNG-FLE-100"))["title"]["fr"] == "Français langue étrangère"
    bom = b"\xef\xbb\xbf" + csv_file(ROWS[0].replace("Droit de l'Union", "Droit de l\u2019Union"))
    second = await import_csv(catalogue, bom)
    assert second["status"] == "succeeded", second
    assert second["summary"]["encoding"] == "utf-8-sig"
    assert (await staff_course(catalogue, "DRT-EU-101"))["title"]["fr"] == "Droit de l\u2019Union européenne"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"courses": [', "not valid JSON"),
        (b'{"cours": []}', "Unknown keys"),
    ],
)
async def test_an_unreadable_json_file_fails_with_the_reason(catalogue, content: bytes, message: str) -> None:
    response = await upload(catalogue, content, content_type="application/json")
    assert response.status_code == 202
    job = await run_queued(catalogue)
    assert job["status"] == "failed"
    assert message in job["error"]


async def test_unknown_csv_columns_and_binary_files_fail(catalogue) -> None:
    await upload(catalogue, csv_file(ROWS[0], header=HEADER + ";colour"))
    job = await run_queued(catalogue)
    assert job["status"] == "failed"
    assert "colour" in job["error"]
    await upload(catalogue, b"\x00\x01\x02PK" * 100)
    job = await run_queued(catalogue)
    assert job["status"] == "failed"
    assert "binary" in job["error"]


async def test_bad_requests_are_refused_before_anything_is_queued(make_harness) -> None:
    harness: ServiceHarness = await make_harness(DEFINITION, catalogue_import_max_bytes=4096)
    too_big = await upload(harness, csv_file(*ROWS * 200))
    assert too_big.status_code == 413
    assert too_big.headers["content-type"].startswith("application/problem+json")
    unknown = await upload(harness, b"code\nX\n", content_type="application/octet-stream")
    assert unknown.status_code == 415
    empty = await upload(harness, b"  \n")
    assert empty.status_code == 422
    bad_term = await harness.client.post(
        "/imports",
        params={"format": "apogee", "autumn_term": "S1 (autumn)"},
        content=csv_file(*ROWS),
        headers={**editor(harness), "Content-Type": "text/csv"},
    )
    assert bad_term.status_code == 422, bad_term.text
    assert bad_term.headers["content-type"].startswith("application/problem+json")
    assert ["query", "autumn_term"] in [e["loc"] for e in bad_term.json()["errors"]]
    student = await harness.client.post(
        "/imports", content=csv_file(*ROWS), headers={**harness.headers("student"), "Content-Type": "text/csv"}
    )
    assert student.status_code == 403
    assert await harness.count(ImportJob.__table__) == 0
    other = await harness.client.get(f"/imports/{'0' * 8}-0000-4000-8000-{'0' * 12}", headers=editor(harness))
    assert other.status_code == 404


JSON_DOCUMENT: dict[str, Any] = {
    "organisational_units": [
        {"code": "HIST-ART", "parent_code": "HIST", "kind": "department", "name": {"fr": "Histoire de l'art"}},
        {"code": "HIST", "name": {"fr": "UFR d'histoire", "en": "Faculty of History"}},
    ],
    "academic_years": [{"code": "2027-2028", "start_date": "2027-09-01", "end_date": "2028-08-31"}],
    "terms": [
        {
            "code": "2027-S1",
            "academic_year_code": "2027-2028",
            "ordinal": 1,
            "name": {"fr": "Semestre 1", "en": "Semester 1"},
            "start_date": "2027-09-06",
            "end_date": "2028-01-21",
        }
    ],
    "programmes": [{"code": "L-HIST", "name": {"fr": "Licence d'histoire"}, "organisational_unit_code": "HIST"}],
    "courses": [
        {
            "code": "HIS-MED-101",
            "title": {"fr": "Histoire médiévale", "en": "Medieval history"},
            "ects": 6,
            "organisational_unit_code": "HIST-ART",
            "term_codes": ["2027-S1"],
            "programme_codes": ["L-HIST"],
            "languages": [{"language": "fr", "cefr_level": "B2"}],
        }
    ],
}


async def test_a_json_document_loads_reference_data_and_courses_idempotently(catalogue) -> None:
    content = json.dumps(JSON_DOCUMENT).encode()
    response = await upload(catalogue, content, content_type="application/json", params={"publish": "true"})
    assert response.status_code == 202
    job = await run_queued(catalogue)
    assert job["status"] == "succeeded", job
    reference = job["summary"]["reference"]
    assert reference["organisational_units"]["created"] == 2
    assert reference["terms"]["created"] == 1
    assert reference["programmes"]["created"] == 1
    assert job["summary"]["created"] == 1
    found = await catalogue.client.get("/courses", params={"hei": HEI, "unit": "HIST", "term": "2027-S1"})
    assert [item["code"] for item in found.json()["items"]] == ["HIS-MED-101"]

    await upload(catalogue, content, content_type="application/json", params={"publish": "true"})
    again = await run_queued(catalogue)
    assert again["summary"]["unchanged"] == 1
    assert again["summary"]["reference"]["organisational_units"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "rejected": 0,
    }


async def test_json_fields_left_out_keep_the_values_staff_gave(catalogue) -> None:
    await upload(catalogue, json.dumps(JSON_DOCUMENT).encode(), content_type="application/json")
    await run_queued(catalogue)
    course = await staff_course(catalogue, "HIS-MED-101")
    patch = {"capacity": 12, "description": {"en": "Kings, monks and towns."}}
    assert (
        await catalogue.client.patch(f"/courses/{course['id']}", json=patch, headers=editor(catalogue))
    ).status_code == 200
    only_credits = [{"code": "HIS-MED-101", "ects": 5}]
    await upload(catalogue, json.dumps(only_credits).encode(), content_type="application/json")
    job = await run_queued(catalogue)
    assert job["summary"]["updated"] == 1
    after = await staff_course(catalogue, "HIS-MED-101")
    assert float(after["ects"]) == 5
    assert after["capacity"] == 12
    assert after["description"] == {"en": "Kings, monks and towns."}


APOGEE = (
    "COD_ANU;COD_ELP;LIB_ELP;NBR_CRD_ELP;COD_CMP;COD_VET;LIB_WEB_VET;SEMESTRE;CODE_ISCED;LANGUE_ENSEIGNEMENT;NBR_VOL_ELP\n"
    "2026;UE-DRT-301;Droit des contrats;6,0;DROIT;VDRT3;Licence 3 Droit;S5;0421;FR;36\n"
    "2026;UE-DRT-301;Droit des contrats;6,0;DROIT;VAES3;Licence 3 AES;S5;0421;FR;36\n"
    "2026;UE-DRT-302;Droit fiscal;4,5;DROIT;VDRT3;Licence 3 Droit;S6;0421;FR;24\n"
    "2025;UE-DRT-299;Ancien cours;3;DROIT;VDRT3;Licence 3 Droit;S6;0421;FR;24\n"
)


async def test_an_apogee_export_merges_programmes_and_maps_semesters_to_terms(catalogue) -> None:
    params = {"format": "apogee", "period": "2026", "autumn_term": "2026-S1", "spring_term": "2026-S2"}
    response = await upload(catalogue, APOGEE.encode("cp1252"), params=params)
    assert response.status_code == 202
    job = await run_queued(catalogue)
    assert job["status"] == "succeeded", job
    assert job["summary"]["created"] == 2
    assert job["summary"]["reference"]["programmes"]["created"] == 2
    contracts = await staff_course(catalogue, "UE-DRT-301")
    assert contracts["programme_codes"] == ["VDRT3", "VAES3"]
    assert contracts["term_codes"] == ["2026-S1"]
    assert contracts["hours"]["lecture"] == 36
    assert contracts["source"] == "apogee"
    tax = await staff_course(catalogue, "UE-DRT-302")
    assert tax["term_codes"] == ["2026-S2"]
    assert float(tax["ects"]) == 4.5
    programmes = await catalogue.client.get("/programmes", params={"hei": HEI})
    assert "VAES3" in {p["code"] for p in programmes.json()}


async def test_the_worker_runs_queued_imports_in_the_background(catalogue) -> None:
    await catalogue.start_worker()
    response = await upload(catalogue, csv_file(*ROWS))
    job_id = response.json()["id"]

    async def finished() -> dict[str, Any] | None:
        job = (await catalogue.client.get(f"/imports/{job_id}", headers=editor(catalogue))).json()
        return job if job["status"] not in ("queued", "running") else None

    job = await eventually(finished)
    assert job["status"] == "succeeded"
    assert job["summary"]["created"] == 3
    listed = await catalogue.client.get("/imports", headers=editor(catalogue))
    assert [j["id"] for j in listed.json()] == [job_id]
    other = await catalogue.client.get(f"/imports/{job_id}", headers=editor(catalogue, hei="other.fr"))
    assert other.status_code == 404


async def test_the_command_line_imports_a_file_with_progress_and_a_report(catalogue, tmp_path: Path, capsys) -> None:
    source = tmp_path / "offer.csv"
    source.write_bytes(csv_file(*ROWS, next(iter(BAD_ROWS))))
    out = tmp_path / "report.json"
    args = argparse.Namespace(
        file=source, format=None, period=None, hei=HEI, publish=True, allow_partial=True, dry_run=False,
        autumn_term=None, spring_term=None, report=out, actor="registrar-cli", quiet=False,
    )  # fmt: skip
    code = await cli._import_file(catalogue.runtime, args)
    captured = capsys.readouterr()
    assert code == 0
    assert "writing" in captured.err
    assert "4/4" in captured.err
    assert "created 3" in captured.out
    assert "rejected 1" in captured.out
    assert "line 5 course ECO-ZERO-1: ects" in captured.out
    rows = json.loads(out.read_text())
    assert {row["outcome"] for row in rows} == {"created", "rejected"}
    async with catalogue.runtime.database.sessionmaker() as session:
        who = await session.scalar(sa.select(sa.func.min(COURSES.c.updated_by)))
    assert who == "registrar-cli"
    audit = audit_table_for(metadata)
    assert audit is not None
    async with catalogue.runtime.database.sessionmaker() as session:
        entries = (
            await session.execute(
                sa.select(audit.c.action, audit.c.actor_type, audit.c.on_behalf_of).where(
                    audit.c.object_type == "course"
                )
            )
        ).all()
    assert sorted(entries) == [("created", "system", "registrar-cli")] * 3
    # one entry per new course, in the order of the file, saying which import made it
    async with catalogue.runtime.database.sessionmaker() as session:
        codes = {
            str(course_id): code for course_id, code in await session.execute(sa.select(COURSES.c.id, COURSES.c.code))
        }
        trail = (
            await session.execute(
                sa.select(audit.c.object_id, audit.c.tenant, audit.c.detail)
                .where(audit.c.object_type == "course")
                .order_by(audit.c.id)
            )
        ).all()
    assert [codes[object_id] for object_id, _, _ in trail] == [r["code"] for r in rows if r["outcome"] == "created"]
    job_id = captured.out.split(":", 1)[0].removeprefix("import ")
    assert {(tenant, detail) for _, tenant, detail in trail} == {(HEI, f"import {job_id} (offer.csv)")}


async def test_another_university_keeps_its_own_courses(make_harness) -> None:
    harness: ServiceHarness = await make_harness(DEFINITION)
    await load_reference(harness)
    await load_reference(harness, "other.fr")
    await import_csv(harness, csv_file(*ROWS))
    headers = {**editor(harness, "other.fr"), "Content-Type": "text/csv"}
    response = await harness.client.post("/imports", content=csv_file(ROWS[0]), headers=headers)
    assert response.status_code == 202
    job = await run_queued(harness, "other.fr")
    assert job["summary"]["created"] == 1  # the same code at another university is another course
    assert await harness.count(COURSES, COURSES.c.tenant == "other.fr") == 1


async def test_a_reimport_moves_a_course_between_filters_and_leaves_the_others_alone(catalogue) -> None:
    await import_csv(catalogue, csv_file(*ROWS), publish="true")

    async def codes(**params: Any) -> list[str]:
        found = await catalogue.client.get("/courses", params={"hei": HEI, **params})
        return sorted(item["code"] for item in found.json()["items"])

    assert await codes(term="2026-S1") == ["DRT-EU-101", "LNG-FLE-100"]
    assert await codes(language="en") == ["INF-ALG-201"]
    moved = ROWS[0].replace(";fr:B2;2026-S1;", ";en:B2;2026-S2;").replace(";30;", ";35;")
    capacity_only = ROWS[2].replace(";;;;", ";;;12;")
    job = await import_csv(catalogue, csv_file(moved, ROWS[1], capacity_only), publish="true")
    assert (job["summary"]["updated"], job["summary"]["unchanged"]) == (2, 1)
    assert await codes(term="2026-S1") == ["LNG-FLE-100"]
    assert await codes(term="2026-S2") == ["DRT-EU-101", "INF-ALG-201", "LNG-FLE-100"]
    assert await codes(language="en") == ["DRT-EU-101", "INF-ALG-201"]
    assert await codes(language="fr") == ["INF-ALG-201", "LNG-FLE-100"]
    assert await codes(unit="DROIT") == ["DRT-EU-101"]  # facets the change did not touch are still there
    assert await codes(ects_min="3", ects_max="4") == ["LNG-FLE-100"]
    audit = audit_table_for(metadata)
    assert audit is not None
    async with catalogue.runtime.database.sessionmaker() as session:
        trail = await session.scalars(
            sa.select(audit.c.changes).where(audit.c.object_type == "course", audit.c.action == "updated")
        )
        changes = sorted((sorted(c) for c in trail), key=len)
    assert changes == [["capacity"], ["capacity", "languages", "term_codes"]]  # what changed, nothing else


async def test_a_large_published_import_writes_one_event_per_course_and_all_are_delivered(catalogue) -> None:
    # enough courses for the bulk path of the outbox (COPY on PostgreSQL)
    rows = [ROWS[0].replace("DRT-EU-101", f"DRT-EU-{n:03d}") for n in range(150)]
    job = await import_csv(catalogue, csv_file(*rows), publish="true")
    assert job["summary"]["created"] == 150
    published = OUTBOX.c.event_type == "catalogue.course.published.v1"
    async with catalogue.runtime.database.sessionmaker() as session:
        envelopes = (await session.execute(sa.select(OUTBOX.c.envelope).where(published))).scalars().all()
        ids = dict((await session.execute(sa.select(COURSES.c.code, COURSES.c.id))).all())
    assert len(envelopes) == 150
    for envelope in envelopes:
        data = envelope["data"]
        assert envelope["type"] == "catalogue.course.published.v1"
        assert envelope["tenant"] == HEI
        assert envelope["subject"] == data["course_id"] == str(ids[data["code"]])
        assert (data["ects"], data["isced_code"], data["term_codes"]) == (6.0, "0421", ["2026-S1"])
    assert len({envelope["id"] for envelope in envelopes}) == 150
    assert await catalogue.drain() >= 150
    assert await catalogue.count(OUTBOX, published, OUTBOX.c.published_at.is_(None)) == 0


@pytest.mark.parametrize("smile_stack", ["infra"], indirect=True)
async def test_a_large_import_refreshes_the_planner_statistics_after_its_commit(catalogue) -> None:
    # PostgreSQL only: until the tables are analysed, the planner takes them for empty (reltuples -1)
    rows = [ROWS[2].replace("LNG-FLE-100", f"LNG-FLE-{n:04d}") for n in range(600)]
    job = await import_csv(catalogue, csv_file(*rows))
    assert job["status"] == "succeeded"
    await statistics_refreshed(catalogue.runtime)
    async with catalogue.runtime.database.sessionmaker() as session:
        estimate = await session.scalar(
            sa.text("SELECT reltuples FROM pg_class WHERE oid = 'catalogue.course'::regclass")
        )
    assert estimate == 600
