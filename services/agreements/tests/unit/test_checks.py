"""Checks of a nomination against its IIA and the factsheet (pure functions)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from smile_agreements.mobilities.checks import Deadline, FactsheetView, factsheet_checks, iia_checks
from smile_agreements.mobilities.iia_port import ConditionView, LanguageSkill
from smile_agreements.mobilities.models import Mobility


def _mobility(**overrides: object) -> Mobility:
    values: dict[str, object] = {
        "academic_year": "2026/2027",
        "academic_term": "2026/2027-1/2",
        "isced_code": "0311",
        "eqf_level": 6,
        "language_skills": [{"language": "fr", "cefr_level": "B1"}],
        "iia_id": uuid.uuid4(),
        "created_at": datetime(2026, 4, 20, tzinfo=UTC),
    }
    values.update(overrides)
    return Mobility(**values)


def _condition(**overrides: object) -> ConditionView:
    values: dict[str, object] = {
        "iia_id": uuid.uuid4(),
        "condition_id": uuid.uuid4(),
        "partner_hei_id": "uio.no",
        "sending_hei_id": "uio.no",
        "receiving_hei_id": "unicaen.fr",
        "first_academic_year": "2024/2025",
        "last_academic_year": "2027/2028",
        "mobilities_per_year": 2,
        "eqf_levels": (6, 7),
        "isced_codes": ("0311",),
        "languages": (LanguageSkill("fr", "B2"),),
    }
    values.update(overrides)
    return ConditionView(**values)  # type: ignore[arg-type]


def _by_code(results: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {r.code: r.status for r in results}


def test_a_fitting_nomination_passes_and_a_weak_language_level_is_flagged() -> None:
    results = _by_code(iia_checks(_mobility(), _condition(), 2, directory_available=True))
    assert results == {
        "iia": "ok",
        "iia_years": "ok",
        "quota": "ok",
        "field": "ok",
        "level": "ok",
        "language": "warning",
    }


def test_over_quota_other_field_and_level_are_warnings() -> None:
    results = _by_code(iia_checks(_mobility(isced_code="0421", eqf_level=8), _condition(), 3, directory_available=True))
    assert results["quota"] == "warning"
    assert results["field"] == "warning"
    assert results["level"] == "warning"


def test_outside_the_years_fails_and_missing_agreement_is_said() -> None:
    assert (
        _by_code(iia_checks(_mobility(academic_year="2028/2029"), _condition(), 1, directory_available=True))[
            "iia_years"
        ]
        == "failed"
    )
    assert _by_code(iia_checks(_mobility(), None, 0, directory_available=True)) == {"iia": "failed"}
    assert _by_code(iia_checks(_mobility(iia_id=None), None, 0, directory_available=True)) == {"iia": "warning"}
    assert _by_code(iia_checks(_mobility(), None, 0, directory_available=False)) == {"iia": "unknown"}


def test_factsheet_deadline_documents_and_cefr() -> None:
    sheet = FactsheetView(
        nomination_deadlines=(Deadline(1, 5, 15), Deadline(2, 10, 15)),
        required_documents=("passport", "transcript"),
        languages=(("fr", "B1", None), ("de", "B2", "0541")),
    )
    on_time = factsheet_checks(_mobility(), sheet)
    assert _by_code(on_time) == {"deadline": "ok", "documents": "ok", "cefr": "ok"}
    late = factsheet_checks(_mobility(created_at=datetime(2026, 6, 1, tzinfo=UTC)), sheet)
    assert _by_code(late)["deadline"] == "warning"
    spring = factsheet_checks(
        _mobility(academic_term="2026/2027-2/2", created_at=datetime(2026, 6, 1, tzinfo=UTC)), sheet
    )
    assert _by_code(spring)["deadline"] == "ok"
    assert _by_code(factsheet_checks(_mobility(language_skills=[]), sheet))["cefr"] == "warning"
    assert _by_code(factsheet_checks(_mobility(), None)) == {"factsheet": "unknown"}
