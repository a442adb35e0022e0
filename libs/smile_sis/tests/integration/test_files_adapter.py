"""The files adapter reads Apogée-style CSV exports and writes idempotent import files."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from smile_sis import (
    AdministrativeEnrolmentRequest,
    CourseEnrolmentRequest,
    FilesConfig,
    FilesSIS,
    LearnerData,
    ResultOutcome,
    SisNotFound,
    SisRejected,
)

ANNA = LearnerData(
    reference="stu-1",
    family_name="Müller",
    given_names="Anna",
    birth_date=date(2003, 4, 2),
    sex="F",
    nationality="DE",
    email="anna@uni-koeln.de",
)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def sis(tmp_path: Path) -> FilesSIS:
    exports = tmp_path / "exports"
    _write(
        exports / "periods.csv",
        "COD_ANU;LIB_ANU;ANNEE;DAT_DEB;DAT_FIN\n2026;Année 2026/2027;2026;01/09/2026;31/08/2027\n",
    )
    _write(
        exports / "units.csv",
        "COD_CMP;LIB_CMP;COD_CMP_PARENT\nUFR-DRT;UFR de droit;\nDRT;Département de droit;UFR-DRT\n",
    )
    _write(
        exports / "offer.csv",
        "\ufeffCOD_ANU;COD_ELP;LIB_ELP;LIB_ELP_EN;NBR_CRD_ELP;NBR_VOL_ELP;COD_VET;LIB_WEB_VET;COD_CMP;ISCED;NIVEAU_EQF;SEMESTRE;LANGUE_ENSEIGNEMENT;CAPACITE;OUVERT_MOBILITE\n"
        "2026;DRT-EU-101;Droit de l'Union européenne;EU law;6,0;36;VDRT3|VECO3;Licence 3 droit;DRT;0421;6;S1;fr,en;40;O"
        "\n"
        "2026;DRT-INT-201;Droit international;International law;5;30;VDRT3;Licence 3 droit;DRT;421X;9;S2;fr;;N\n"
        "2025;OLD-001;Ancien cours;;3;;VDRT3;;DRT;;;;;;\n",
    )
    _write(
        exports / "learners.csv",
        "COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND\n22600017;1234567890A;GARCIA;Lucia;15/01/2002\n",
    )
    _write(
        exports / "results-2026.csv",
        "COD_ANU;COD_ETU;COD_ELP;NOT_ELP;BAR_NOT_ELP;COD_TRE;NBR_CRD_ELP;DAT_DEL;COD_SES;CODE_ISCED;NIVEAU_EQF\n"
        "2026;22600017;DRT-EU-101;8,5;20;AJ;0;20/01/2027;1;0421;6\n"
        "2026;22600017;DRT-EU-101;12,25;20;ADM;6;20/06/2027;2;0421;6\n"
        "2026;22600017;DRT-INT-201;;;VAL;5;20/01/2027;1;0421;6\n"
        "2026;99999999;DRT-EU-101;15;20;ADM;6;20/01/2027;1;0421;6\n",
    )
    return FilesSIS(FilesConfig(directory=tmp_path))


async def test_the_offer_reads_apogee_columns_units_and_programmes(sis: FilesSIS) -> None:
    offer = await sis.read_course_offer("2026")
    assert offer.period.start_date == date(2026, 9, 1)
    assert [u.code for u in offer.organisational_units] == ["UFR-DRT", "DRT"]
    assert offer.organisational_units[1].parent_code == "UFR-DRT"
    assert sorted(p.code for p in offer.programmes) == ["VDRT3", "VECO3"]
    eu, intl = offer.courses
    assert eu.code == "DRT-EU-101"
    assert eu.title == {"fr": "Droit de l'Union européenne", "en": "EU law"}
    assert eu.ects == Decimal("6.0")
    assert eu.hours == Decimal(36)
    assert eu.capacity == 40
    assert eu.programme_codes == ["VDRT3", "VECO3"]
    assert eu.languages == ["fr", "en"]
    assert eu.isced_code == "0421"
    assert eu.eqf_level == 6
    assert eu.open_to_choice is True
    assert intl.isced_code is None
    assert intl.eqf_level is None
    assert intl.open_to_choice is False


async def test_an_unknown_period_is_not_found(sis: FilesSIS) -> None:
    with pytest.raises(SisNotFound):
        await sis.read_course_offer("1999")


async def test_an_unknown_learner_is_written_once_to_the_import_file_and_left_pending(
    sis: FilesSIS, tmp_path: Path
) -> None:
    first = await sis.ensure_learner(ANNA)
    second = await sis.ensure_learner(ANNA)
    assert first.pending
    assert first.code is None
    assert second.pending
    rows = list(csv.DictReader((tmp_path / "imports" / "learners.csv").open(encoding="utf-8"), delimiter=";"))
    assert len(rows) == 1
    assert rows[0]["reference"] == "stu-1"
    assert rows[0]["nationality"] == "DE"
    # the registrar imported the file; the next export carries the learner with SMILE's reference
    _write(
        tmp_path / "exports" / "learners.csv",
        "COD_ETU;LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND;SMILE_REF\n22600099;MULLER;Anna;2003-04-02;stu-1\n",
    )
    found = await sis.ensure_learner(ANNA)
    assert found.code == "22600099"
    assert not found.pending


async def test_enrolment_files_are_idempotent_and_follow_course_changes(sis: FilesSIS, tmp_path: Path) -> None:
    learner = await sis.ensure_learner(ANNA)
    request = AdministrativeEnrolmentRequest(
        reference="enr-1",
        learner=learner,
        learner_reference="stu-1",
        period_code="2026",
        programme_path="VDRT3",
        regime_code="RGI-ECH",
        exchange_programme_code="ERASMUS",
        country_code="DE",
    )
    first = await sis.enrol_administratively(request)
    second = await sis.enrol_administratively(request)
    assert first.status == "exported"
    assert not first.already_existed
    assert second.already_existed
    courses = CourseEnrolmentRequest(
        reference="enr-1",
        learner=learner,
        learner_reference="stu-1",
        period_code="2026",
        programme_path="VDRT3",
        course_codes=["DRT-EU-101"],
    )
    await sis.enrol_in_courses(courses)
    await sis.enrol_in_courses(courses)
    changed = await sis.enrol_in_courses(courses.model_copy(update={"course_codes": ["DRT-EU-101", "DRT-INT-201"]}))
    assert changed.added == ["DRT-INT-201"]
    assert changed.removed == []
    rows = list(csv.DictReader((tmp_path / "imports" / "course-enrolments.csv").open(encoding="utf-8"), delimiter=";"))
    assert [r["courses"] for r in rows] == ["DRT-EU-101", "DRT-EU-101|DRT-INT-201"]
    admin = (tmp_path / "imports" / "administrative-enrolments.csv").read_text(encoding="utf-8").splitlines()
    assert len(admin) == 2
    assert "RGI-ECH" in admin[1]


async def test_results_keep_the_latest_session_and_read_pass_fail_grades(sis: FilesSIS) -> None:
    learner = await sis.find_learner(__import__("smile_sis").LearnerQuery(code="22600017"))
    assert learner is not None
    results = {r.course_code: r for r in await sis.read_results(learner, "2026", "VDRT3")}
    eu = results["DRT-EU-101"]
    assert eu.grade == Decimal("12.25")
    assert eu.session == 2
    assert eu.outcome is ResultOutcome.PASSED
    assert eu.credits == Decimal(6)
    assert eu.result_date == date(2027, 6, 20)
    passfail = results["DRT-INT-201"]
    assert passfail.grade is None
    assert passfail.grade_label == "VAL"
    assert passfail.outcome is ResultOutcome.PASSED


async def test_results_need_a_learner_code(sis: FilesSIS) -> None:
    pending = await sis.ensure_learner(ANNA)
    with pytest.raises(SisRejected):
        await sis.read_results(pending, "2026", "VDRT3")


async def test_grade_history_is_anonymous_and_keeps_isced_and_level(sis: FilesSIS) -> None:
    history = await sis.read_grade_history(["2026"])
    assert len(history) == 4
    assert {(str(r.grade), r.passed) for r in history} == {
        ("8.5", False),
        ("12.25", True),
        ("None", True),
        ("15", True),
    }
    assert all(r.isced_code == "0421" and r.eqf_level == 6 for r in history)
