"""The learning agreement PDF: European template sections, in French and English."""

from __future__ import annotations

import re
import uuid
import zlib
from datetime import UTC, date, datetime

import pytest

from smile_agreements.learning_agreements import pdf
from smile_agreements.learning_agreements.models import LaVersion, LearningAgreement
from smile_agreements.mobilities.models import Mobility

NOW = datetime(2026, 5, 2, 10, 30, tzinfo=UTC)


def _objects() -> tuple[LearningAgreement, Mobility, list[LaVersion]]:
    mobility = Mobility(
        id=uuid.uuid4(),
        tenant="unicaen.fr",
        student_given_names="Ingrid",
        student_family_name="Hansen",
        student_birth_date=date(2003, 4, 12),
        student_citizenship="NO",
        student_email="ingrid@uio.no",
        student_esi="urn:schac:personalUniqueCode:int:esi:uio.no:1",
        academic_year="2026/2027",
        receiving_ounit_code="ECO",
        planned_arrival_date=date(2026, 9, 1),
        planned_departure_date=date(2027, 1, 31),
    )
    la = LearningAgreement(
        id=uuid.uuid4(),
        tenant="unicaen.fr",
        mobility_id=mobility.id,
        sending_hei_id="uio.no",
        sending_contact={"name": "Anders Bardal", "email": "anders@uio.no"},
        receiving_contact={},
    )
    signed = {
        "signer_name": "Paul Leroy",
        "signer_position": "Referent",
        "timestamp": NOW.isoformat(),
        "signer_app": "SMILE",
    }
    first = LaVersion(
        number=1,
        kind="first_version",
        status="approved",
        proposal_id="abc",
        components=[
            {"table": "studied", "code": "ECO-MAC-110", "title": "Macroeconomics", "term": "2026-S1", "credits": "6"},
            {"table": "recognized", "title": "Makrookonomi", "credits": "7.5"},
        ],
        signatures={"student": signed, "sending": signed, "receiving": signed},
    )
    change = LaVersion(
        number=2, kind="changes", status="proposed", proposal_id="def",
        components=[{"table": "studied", "code": "DRT-EU-101", "title": "European Union law", "credits": "6",
                     "status": "inserted", "reason_code": "extending-mobility"}],
        signatures={},
    )  # fmt: skip
    return la, mobility, [first, change]


def _text(document: bytes) -> str:
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(chunks)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Learning Agreement", "Table A", "Table B", "Sending HEI", "awaiting signatures", "not signed yet"]),
        (
            "fr",
            [
                "Contrat d'",
                "Tableau A",
                "Tableau B",
                "tablissement d'origine",
                "en attente de signatures",
                "pas encore sign",
            ],
        ),
    ],
)
def test_the_pdf_has_the_template_sections_in_the_language_asked(
    language: str, expected: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "_FONT_DIRS", [])  # core font: the text stays readable in the stream
    la, mobility, versions = _objects()
    document = pdf.render(la, mobility, versions, versions[1], language)
    assert document.startswith(b"%PDF-")
    text = _text(document)
    for words in [*expected, "Hansen", "ECO-MAC-110", "DRT-EU-101", "Paul Leroy", "7.5", "extending-mobility"]:
        assert words in text, words


def test_names_outside_latin1_do_not_break_the_pdf() -> None:
    la, mobility, versions = _objects()
    mobility.student_family_name = "Сидоров"
    assert pdf.render(la, mobility, versions, versions[0], "en").startswith(b"%PDF-")
