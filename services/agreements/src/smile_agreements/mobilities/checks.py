"""Checks of a nomination against its IIA and the university's factsheet, shown to the coordinator.

They inform the decision and never block it (the office may accept a student over quota): each check is
``ok``, ``warning``, ``failed`` or ``unknown`` (what it needs is not available) with a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from smile_agreements.mobilities.iia_port import ConditionView
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.schemas import CheckResult

CEFR_ORDER = ["A1", "A2", "B1", "B2", "C1", "C2"]


@dataclass(frozen=True)
class Deadline:
    """A nomination deadline: term 1 (autumn), 2 (spring) or None (any), as a day of the year."""

    term_number: int | None
    month: int
    day: int


@dataclass(frozen=True)
class FactsheetView:
    """What the catalogue's factsheet says applicants need."""

    nomination_deadlines: tuple[Deadline, ...] = ()
    required_documents: tuple[str, ...] = ()
    #: (language, minimum CEFR level, ISCED field it applies to or None for every field)
    languages: tuple[tuple[str, str, str | None], ...] = ()


def _result(code: str, status: str, message: str) -> CheckResult:
    return CheckResult(code=code, status=status, message=message)  # type: ignore[arg-type]


def _cefr_at_least(level: str | None, minimum: str | None) -> bool:
    if minimum is None:
        return True
    if level is None or level not in CEFR_ORDER or minimum not in CEFR_ORDER:
        return False
    return CEFR_ORDER.index(level) >= CEFR_ORDER.index(minimum)


def _student_level(mobility: Mobility, language: str) -> str | None:
    for skill in mobility.language_skills:
        if skill.get("language") == language:
            return skill.get("cefr_level") or None
    return None


def iia_checks(
    mobility: Mobility, condition: ConditionView | None, nominations: int, *, directory_available: bool
) -> list[CheckResult]:
    """Agreement, years, quota, field of education, level and language."""
    if not directory_available:
        return [_result("iia", "unknown", "Agreements cannot be read at the moment.")]
    if condition is None:
        if mobility.iia_id or mobility.cooperation_condition_id or mobility.ewp_iia_id:
            return [_result("iia", "failed", "The referenced agreement or cooperation condition does not exist.")]
        return [_result("iia", "warning", "No inter-institutional agreement is referenced.")]
    out = [
        _result(
            "iia",
            "ok" if condition.approved else "warning",
            "Agreement approved by both partners." if condition.approved else "The agreement is not approved yet.",
        ),
        _years(mobility, condition),
        _quota(condition, nominations),
        _field(mobility, condition),
        _level(mobility, condition),
    ]
    out.extend(_language(mobility, lang.language, lang.cefr_level, "language") for lang in condition.languages)
    return out


def _years(mobility: Mobility, condition: ConditionView) -> CheckResult:
    inside = (
        int(condition.first_academic_year[:4])
        <= int(mobility.academic_year[:4])
        <= int(condition.last_academic_year[:4])
    )
    span = f"{condition.first_academic_year} to {condition.last_academic_year}"
    return _result("iia_years", "ok" if inside else "failed", f"The agreement covers {span}.")


def _quota(condition: ConditionView, nominations: int) -> CheckResult:
    if condition.mobilities_per_year is None:
        return _result("quota", "unknown", "The agreement sets no number of mobilities per year.")
    places = condition.mobilities_per_year
    status = "ok" if nominations <= places else "warning"
    return _result("quota", status, f"{nominations} nomination(s) for {places} place(s) this academic year.")


def _field(mobility: Mobility, condition: ConditionView) -> CheckResult:
    if not condition.isced_codes:
        return _result("field", "ok", "The agreement is open to every field of education.")
    if not mobility.isced_code:
        return _result("field", "warning", "The nomination gives no field of education (ISCED).")
    code = mobility.isced_code
    fits = any(code.startswith(c) or c.startswith(code) for c in condition.isced_codes)
    allowed = ", ".join(condition.isced_codes)
    return _result("field", "ok" if fits else "warning", f"Field {code}; the agreement covers {allowed}.")


def _level(mobility: Mobility, condition: ConditionView) -> CheckResult:
    if not condition.eqf_levels:
        return _result("level", "ok", "The agreement is open to every level.")
    levels = ", ".join(str(x) for x in condition.eqf_levels)
    if mobility.eqf_level is None:
        return _result("level", "warning", f"The nomination gives no EQF level; the agreement covers {levels}.")
    fits = mobility.eqf_level in condition.eqf_levels
    return _result(
        "level", "ok" if fits else "warning", f"EQF level {mobility.eqf_level}; the agreement covers {levels}."
    )


def _language(mobility: Mobility, language: str, minimum: str | None, code: str) -> CheckResult:
    level = _student_level(mobility, language)
    required = f"{language} {minimum}" if minimum else language
    if _cefr_at_least(level, minimum) and (level is not None or minimum is None):
        return _result(code, "ok", f"Requires {required}; the student has {language} {level or '(level not given)'}.")
    have = f"{language} {level}" if level else f"no {language} level"
    return _result(code, "warning", f"Requires {required}; the nomination shows {have}.")


def factsheet_checks(mobility: Mobility, factsheet: FactsheetView | None) -> list[CheckResult]:
    """Nomination deadline, documents applicants must provide, language requirement."""
    if factsheet is None:
        return [_result("factsheet", "unknown", "The factsheet cannot be read at the moment.")]
    out: list[CheckResult] = []
    term_number = int(mobility.academic_term.split("-")[1].split("/")[0]) if mobility.academic_term else None
    deadlines = [d for d in factsheet.nomination_deadlines if d.term_number in (None, term_number)]
    if deadlines:
        limit = min(_in_year(d, mobility.academic_year) for d in deadlines)
        late = mobility.created_at.date() > limit
        message = f"Nomination deadline {limit.isoformat()}" + ("; this nomination came late." if late else ".")
        out.append(_result("deadline", "warning" if late else "ok", message))
    if factsheet.required_documents:
        docs = ", ".join(factsheet.required_documents)
        out.append(_result("documents", "ok", f"The student will have to provide: {docs}."))
    for lang, level, field_code in factsheet.languages:
        if field_code is None or (mobility.isced_code or "").startswith(field_code[:2]):
            out.append(_language(mobility, lang, level, "cefr"))
    return out


def _in_year(deadline: Deadline, academic_year: str) -> date:
    """Factsheet deadlines are days of the year (EWP ``--MM-DD``); both terms' fall in the first calendar
    year of the academic year (autumn nominations in spring, spring nominations in autumn)."""
    return date(int(academic_year[:4]), deadline.month, deadline.day)
