"""The whole journey with a SIS that has no API (Apogée): SMILE writes what the registrar imports and
reads what the SIS extracts, as CSV files with Apogée's column names.

accepted mobility → import files for the learner, the inscription and the course choices → a changed
learning agreement appends the new choices, nothing else twice → Apogée's extractions give the learner's
code, the results and past grades → grade tables from them → transcript (ELMO valid against the XSDs, PDF)
→ ``records.transcript.issued.v1``.
"""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import Any

from lxml import etree

from smile_records.transcripts.xsd import ELMO_XSD, ElmoSchema

from .conftest import (
    HEI,
    accepted,
    approved,
    course_published,
    enrolment_in,
    events,
    eventually,
    ewp_specs,
    publish,
    records_service,
    staff,
)

E = "{https://github.com/emrex-eu/elmo-schemas/tree/v2}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _imported(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / "imports" / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=";"))


async def with_apogee(make_harness: Any, folder: Path) -> Any:
    config = {
        "tenants": {
            HEI: {
                "kind": "files",
                "directory": str(folder),
                "enrolment": {"regime_code": "ECH", "programme_paths": {"DROIT": "VET-ECH-DRT"}},
            }
        }
    }
    # an Apogée extraction: years with their dates (COD_ANU is the period code)
    _write(
        folder / "exports" / "periods.csv",
        "COD_ANU;LIB_ANU;ANNEE;DAT_DEB;DAT_FIN\n"
        "2026;Année 2026/2027;2026;01/09/2026;31/08/2027\n"
        "2025;Année 2025/2026;2025;01/09/2025;31/08/2026\n",
    )
    h = await records_service(make_harness, sis_config=json.dumps(config), ewp_xsd_dir=ewp_specs())
    for code, isced in (("DRT-EU-101", "0421"), ("DRT-INT-201", "0421"), ("LET-FLE-100", "0231")):
        await publish(h, course_published(code, isced=isced, eqf=6))
    return h


async def test_accepted_mobility_to_transcript_through_apogee_files(make_harness, tmp_path: Path) -> None:
    h = await with_apogee(make_harness, tmp_path)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101", "DRT-INT-201"]))
    done = await eventually(lambda: enrolment_in(h, mobility, "done"))
    assert (done["sis_kind"], done["period_code"], done["programme_path"]) == ("files", "2026", "VET-ECH-DRT")

    [learner] = _imported(tmp_path, "learners.csv")
    assert (learner["reference"], learner["family_name"], learner["birth_date"]) == (
        done["student_id"],
        "Müller",
        "2003-04-02",
    )
    assert learner["esi"] == "urn:schac:personalUniqueCode:int:esi:uni-koeln.de:7654321"
    [inscription] = _imported(tmp_path, "administrative-enrolments.csv")
    assert (inscription["regime"], inscription["programme"], inscription["country"]) == ("ECH", "VET-ECH-DRT", "DE")
    [choices] = _imported(tmp_path, "course-enrolments.csv")
    assert choices["courses"] == "DRT-EU-101|DRT-INT-201"

    # a changed learning agreement: one more line of choices, the learner and inscription are not repeated
    await publish(h, approved(mobility, ["DRT-EU-101", "LET-FLE-100"], version=2))
    await eventually(lambda: _completed(h, 2))
    assert [r["courses"] for r in _imported(tmp_path, "course-enrolments.csv")] == [
        "DRT-EU-101|DRT-INT-201",
        "DRT-EU-101|LET-FLE-100",
    ]
    assert len(_imported(tmp_path, "learners.csv")) == 1
    assert len(_imported(tmp_path, "administrative-enrolments.csv")) == 1

    # the registrar imported the files into Apogée; its extractions come back
    _write(
        tmp_path / "exports" / "learners.csv",
        f"COD_ETU;LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND;SMILE_REF\n22600077;MÜLLER;Anna;02/04/2003;{done['student_id']}\n",
    )
    past = "".join(
        f"2025;{20000 + i};DRT-EU-101;{g};20;{'ADM' if g >= 10 else 'AJ'};5;1\n"
        for i, g in enumerate([16, 15, 14, 14, 13, 12, 12, 11, 10, 8])
    )
    _write(
        tmp_path / "exports" / "results.csv",
        "COD_ANU;COD_ETU;COD_ELP;NOT_ELP;BAR_NOT_ELP;COD_TRE;NBR_CRD_ELP;COD_SES\n"
        "2026;22600077;DRT-EU-101;14,5;20;ADM;5;1\n"
        "2026;22600077;LET-FLE-100;7;20;AJ;0;1\n"
        "2026;22600077;LET-FLE-100;11;20;ADM;5;2\n" + past,
    )
    imported = await h.client.post(f"/mobilities/{mobility}/results/sis-import", headers=staff(h))
    assert imported.status_code == 200, imported.text
    recorded = {r["course_code"]: (r["grade"], r["passed"], r["session"]) for r in imported.json()["recorded"]}
    assert recorded == {"DRT-EU-101": ("14.5", True, 1), "LET-FLE-100": ("11", True, 2)}  # the re-sit counts

    computed = await h.client.post(
        "/grade-tables/compute", json={"academic_years": ["2025/2026"], "isced_digits": [4]}, headers=staff(h)
    )
    assert computed.status_code == 200, computed.text
    [law] = computed.json()["tables"]
    assert (law["isced_code"], law["total"], computed.json()["failing_grades"]) == ("0421", 9, 1)
    assert {g["label"]: g["count"] for g in law["grades"] if g["count"]} == {
        "16": 1,
        "15": 1,
        "14": 2,
        "13": 1,
        "12": 2,
        "11": 1,
        "10": 1,
    }

    issued = await h.client.post(f"/mobilities/{mobility}/transcript", headers=staff(h))
    assert issued.status_code == 201, issued.text
    transcript = issued.json()
    xml = (await h.client.get(f"/transcripts/{transcript['id']}/elmo", headers=staff(h))).content
    document = etree.fromstring(xml)
    ElmoSchema(ewp_specs()).validate(document, ELMO_XSD)
    labels = {
        s.findtext(f"{E}identifier[@type='local']"): s.findtext(f".//{E}resultLabel")
        for s in document.iter(f"{E}learningOpportunitySpecification")
    }
    assert labels == {"DRT-EU-101": "14.5", "LET-FLE-100": "11"}
    pdf = await h.client.get(f"/transcripts/{transcript['id']}/pdf", params={"lang": "fr"}, headers=staff(h))
    assert pdf.content.startswith(b"%PDF-")
    [event] = await events(h, "records.transcript.issued.v1")
    assert event["mobility_id"] == str(mobility)


async def _completed(h: Any, count: int) -> bool:
    return len(await events(h, "records.enrolment.completed.v1")) >= count


async def test_past_grades_on_another_scale_or_without_a_grade_are_left_out_and_counted(
    make_harness, tmp_path: Path
) -> None:
    h = await with_apogee(make_harness, tmp_path)
    _write(
        tmp_path / "exports" / "results.csv",
        "COD_ANU;COD_ETU;COD_ELP;NOT_ELP;BAR_NOT_ELP;COD_TRE\n"
        "2025;30001;DRT-EU-101;15;20;ADM\n"
        "2025;30002;DRT-EU-101;12,5;20;ADM\n"
        "2025;30003;DRT-EU-101;15;100;AJ\n"  # 15 out of 100: not a 15 out of 20
        "2025;30004;DRT-EU-101;85;100;ADM\n"
        "2025;30005;DRT-EU-101;;;ADM\n"  # a decision without a grade
        "2025;30006;DRT-EU-101;8;20;AJ\n",
    )
    await eventually(lambda: _course_known(h))
    computed = await h.client.post(
        "/grade-tables/compute", json={"academic_years": ["2025/2026"], "isced_digits": [4]}, headers=staff(h)
    )
    assert computed.status_code == 200, computed.text
    result = computed.json()
    assert (result["grades_used"], result["failing_grades"], result["grades_not_on_scale"]) == (2, 1, 3)
    [law] = result["tables"]
    assert {g["label"]: g["count"] for g in law["grades"] if g["count"]} == {"15": 1, "12": 1}


async def _course_known(h: Any) -> bool:
    history = [{"course_code": "DRT-EU-101", "academic_year": "2025/2026", "grade": "12"}]
    body = {"academic_years": ["2025/2026"], "source": "history", "history": history, "isced_digits": [4]}
    response = await h.client.post("/grade-tables/compute", json=body, headers=staff(h))
    return bool(response.json()["tables"])  # the catalogue's ISCED code of the course has arrived
