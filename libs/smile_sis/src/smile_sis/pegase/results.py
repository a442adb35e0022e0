"""Published results from Pégase's COC publication v2 API.

``GET /etablissements/{cs}/periodes/{period}/apprenants/{code}/chemins/{codeChemin}`` answers the node
asked for and every descendant. Only what a jury published is read: final evaluations when published,
otherwise session 2, otherwise session 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from smile_sis.models import ResultOutcome, SisResult
from smile_sis.pegase.client import PegaseClient

__all__ = ["parse_results", "read_results"]

#: (published flag, grade, result, credits, absence, session number)
_SESSIONS = [
    ("publieEvaluationsFinales", "noteFinale", "resultatFinal", "creditsEctsFinaux", "absenceFinale", None),
    ("publieSession2", "noteSession2", "resultatSession2", "creditsEctsFinaux", "absenceSession2", 2),
    ("publieSession1", "noteSession1", "resultatSession1", "creditsEctsSession1", "absenceSession1", 1),
]


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _outcome(
    result_code: str | None, grade: Decimal | None, scale: Decimal | None, absence: Any, config: Any
) -> ResultOutcome:
    if result_code and result_code.upper() in {c.upper() for c in config.passing_result_codes}:
        return ResultOutcome.PASSED
    if result_code and result_code.upper() in {c.upper() for c in config.failing_result_codes}:
        return ResultOutcome.FAILED
    if absence and grade is None:
        return ResultOutcome.FAILED
    if grade is not None and scale:
        return ResultOutcome.PASSED if grade * 2 >= scale else ResultOutcome.FAILED
    return ResultOutcome.UNKNOWN


def parse_chemin(raw: Mapping[str, Any], period_code: str, config: Any) -> SisResult | None:
    for flag, grade_key, result_key, credits_key, absence_key, session in _SESSIONS:
        if not raw.get(flag):
            continue
        if flag == "publieSession2" and not raw.get("concerneParSession2"):
            continue
        grade = _decimal(raw.get(grade_key))
        result = raw.get(result_key) or {}
        absence = raw.get(absence_key)
        if grade is None and not result and not absence:
            continue  # published flag without anything published on this node
        scale = _decimal(raw.get("bareme"))
        code = result.get("code") if isinstance(result, dict) else None
        label = (result.get("libelleCourt") or code) if isinstance(result, dict) else None
        leaf = raw.get("objetFeuille") or {}
        return SisResult(
            course_code=str(leaf.get("code") or str(raw["codeChemin"]).split(">")[-1]),
            course_title=leaf.get("libelleLong") or leaf.get("libelleCourt"),
            path=str(raw["codeChemin"]),
            period_code=period_code,
            grade=grade,
            scale_max=scale,
            grade_label=label if grade is None else None,
            outcome=_outcome(code, grade, scale, absence, config),
            credits=_decimal(raw.get(credits_key)),
            session=session if session is not None else raw.get("numeroSessionRetenue"),
        )
    return None


def parse_results(body: Sequence[Any], period_code: str, config: Any) -> list[SisResult]:
    results = [parse_chemin(c, period_code, config) for c in body if isinstance(c, dict) and c.get("codeChemin")]
    return [r for r in results if r is not None]


async def read_results(client: PegaseClient, code: str, period_code: str, programme_path: str) -> list[SisResult]:
    path = f"/etablissements/{client.structure}/periodes/{period_code}/apprenants/{code}/chemins/{programme_path}"
    body = await client.get("coc", path)
    return parse_results(body or [], period_code, client.config)
