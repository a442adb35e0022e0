"""The transcript PDF says what a reader needs, in French and in English (rendered with the core font and
no compression so that its text can be read back)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smile_records import pdfdoc
from smile_records.transcripts.pdf import render_transcript

CONTENT = {
    "issuer": {
        "hei_id": "unicaen.fr",
        "name": {"fr": "Université de Caen Normandie", "en": "University of Caen Normandy"},
        "city": "Caen",
        "signatory": "Scolarité",
    },
    "learner": {
        "given_names": "Anna",
        "family_name": "Müller",
        "birth_date": "2003-04-02",
        "esi": "urn:schac:personalUniqueCode:int:esi:uni-koeln.de:1",
    },
    "mobility": {
        "id": "m-1",
        "omobility_id": "om-1",
        "sending_hei_id": "uni-koeln.de",
        "academic_year": "2026/2027",
        "term": {
            "names": {"fr": "2026/2027, période 1 sur 2", "en": "2026/2027, term 1 of 2"},
            "start": "2026-09-01",
            "end": "2027-01-31",
        },
    },
    "components": [
        {
            "course_code": "DRT-EU-101",
            "title": {"fr": "Droit de l'Union", "en": "EU law"},
            "credits": "5.00",
            "grade": "14.5",
            "passed": True,
            "result_date": "2027-01-20",
        },
        {
            "course_code": "DRT-INT-201",
            "title": {"fr": "Droit international", "en": "International law"},
            "credits": "5.00",
            "grade": "8",
            "passed": False,
            "result_date": "2027-01-20",
        },
    ],
    "grading_schemes": ["fr-0-20"],
    "scale_names": {"fr-0-20": {"fr": "Notes sur 20", "en": "Grades out of 20"}},
    "tables": [
        {
            "isced_code": "0421",
            "table_isced_code": "0421",
            "eqf_level": 6,
            "academic_years": ["2024/2025"],
            "total": 40,
            "small": True,
            "grades": [
                {"label": "20", "count": 1, "percentage": "2.50", "cumulative": "2.50"},
                {"label": "10", "count": 39, "percentage": "97.50", "cumulative": "100.00"},
            ],
        }
    ],
    "ects_attempted": "10.00",
    "ects_obtained": "5.00",
    "warnings": [],
}


@pytest.fixture(autouse=True)
def readable_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdfdoc, "COMPRESS", False)
    monkeypatch.setattr(pdfdoc, "_unicode_font", lambda: None)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            [
                "Relev",
                "Universit",
                "Validé",
                "Non validé",
                "Crédits ECTS obtenus / présentés",
                "5.00 / 10.00",
                "Groupe de petite taille",
                "Corrige la version",
            ],
        ),
        (
            "en",
            [
                "Transcript of Records",
                "University of Caen Normandy",
                "Passed",
                "Failed",
                "ECTS credits obtained / attempted",
                "EU law",
                "Small group",
                "Corrects the previous version",
            ],
        ),
    ],
)
def test_the_pdf_carries_courses_results_totals_and_tables(lang: str, expected: list[str]) -> None:
    pdf = render_transcript(
        CONTENT, version=2, issued_at=datetime(2027, 2, 1, tzinfo=UTC), lang=lang, correction_reason="grade fixed"
    )  # type: ignore[arg-type]
    text = pdf.decode("latin-1")
    assert pdf.startswith(b"%PDF-")
    for fragment in [*expected, "DRT-EU-101", "14.5", "97.50", "100.00", "MÜLLER"]:
        assert fragment in text, fragment


def test_the_same_content_gives_the_same_file() -> None:
    at = datetime(2027, 2, 1, tzinfo=UTC)
    assert render_transcript(CONTENT, version=1, issued_at=at, lang="en") == render_transcript(
        CONTENT, version=1, issued_at=at, lang="en"
    )
