"""The course offer of a period from Pégase's CHC v6 API (periods, formations, objets de formation),
optionally enriched with ODF syllabus descriptors (description, language of instruction)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from smile_sis.errors import SisError, SisNotFound
from smile_sis.models import CourseOffer, OfferedCourse, OfferedProgramme, Period
from smile_sis.pegase.client import PegaseClient

__all__ = ["list_periods", "read_course_offer"]


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _decimal(value: Any) -> Decimal | None:
    """ECTS come as numbers in some routes and as strings in others (CHC v6 trees)."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _title(obj: Mapping[str, Any] | None) -> dict[str, str]:
    if not obj:
        return {}
    label = _text(obj.get("libelleLong")) or _text(obj.get("libelleCourt")) or _text(obj.get("libelle"))
    return {"fr": label} if label else {}


def parse_period(raw: Mapping[str, Any]) -> Period:
    year = raw.get("anneeUniversitaire")
    return Period(
        code=str(raw["code"]),
        label=_text(raw.get("libelleAffichage")) or _text(raw.get("libelleLong")) or str(raw["code"]),
        academic_year=int(year) if isinstance(year, int | str) and str(year).isdigit() else None,
        start_date=_date(raw.get("dateDebut")),
        end_date=_date(raw.get("dateFin")),
        active=bool(raw.get("estActive", raw.get("temoinActive", True))),
        sis_id=_text(raw.get("identifiant")) or _text(raw.get("idOdf")) or _text(raw.get("id")),
    )


async def list_periods(client: PegaseClient) -> list[Period]:
    body = await client.get("chc", f"/structure/{client.structure}/periodes")
    periods = [parse_period(p) for p in body or [] if isinstance(p, dict) and p.get("code")]
    return sorted(periods, key=lambda p: (p.academic_year or 0, p.code), reverse=True)


def _code_of(node: Any) -> str | None:
    return _text(node.get("code")) if isinstance(node, dict) else None


def parse_programme(raw: Mapping[str, Any]) -> OfferedProgramme:
    formation = raw.get("formation") or {}
    code = _code_of(formation) or _text(raw.get("codeChemin")) or ""
    return OfferedProgramme(
        code=code,
        title=_title(formation),
        path=_text(raw.get("codeChemin")) or code,
        ects=_decimal(raw.get("creditEcts")),
        sis_id=_text(formation.get("id")) if isinstance(formation, dict) else None,
    )


def _semester_of(path: str, semesters: set[str]) -> str | None:
    """The nearest semester among the ancestors of a code chemin (``F>A4>S07>UE1`` → ``S07``)."""
    for segment in reversed(path.split(">")[:-1]):
        if segment in semesters:
            return segment
    return None


def parse_course(raw: Mapping[str, Any], period_code: str, semesters: set[str]) -> OfferedCourse:
    obj = raw.get("objetFormation") or {}
    path = _text(raw.get("codeChemin")) or _code_of(obj) or ""
    capacity = raw.get("capaciteAccueil")
    return OfferedCourse(
        code=_code_of(obj) or path.split(">")[-1],
        title=_title(obj),
        ects=_decimal(raw.get("creditEcts")),
        programme_codes=[_code_of(raw.get("formation")) or path.split(">")[0]],
        path=path,
        term_code=_semester_of(path, semesters) or period_code,
        capacity=int(capacity) if isinstance(capacity, int) and capacity > 0 else None,
        mandatory=raw.get("caractereObligatoire") if isinstance(raw.get("caractereObligatoire"), bool) else None,
        open_to_choice=raw.get("ouverteChoixCursus") is not False,
        sis_id=_text(obj.get("id")) if isinstance(obj, dict) else None,
    )


async def read_course_offer(client: PegaseClient, period_code: str) -> CourseOffer:
    cs, config = client.structure, client.config
    periods = {p.code: p for p in await list_periods(client)}
    period = periods.get(period_code)
    if period is None:
        raise SisNotFound(f"Pégase has no period {period_code} for {cs}")
    formations = await client.get("chc", f"/objets-maquette/formation/{cs}/{period_code}") or []
    objects = await client.get("chc", f"/objets-maquette/objets-formation/{cs}/{period_code}") or []
    containers = set(config.container_object_types)
    semesters = {
        str(_code_of(o.get("objetFormation"))) for o in objects if o.get("codeType") == config.semester_object_type
    }
    courses = _merge_shared(
        parse_course(o, period_code, semesters)
        for o in objects
        if isinstance(o, dict) and o.get("codeType") not in containers and o.get("objetFormation")
    )
    if config.read_syllabus and period.sis_id:
        courses = await _with_syllabus(client, period.sis_id, courses)
    return CourseOffer(
        period=period,
        programmes=[parse_programme(f) for f in formations if isinstance(f, dict)],
        courses=sorted(courses, key=lambda c: (c.code, c.path or "")),
        source="pegase",
        read_at=datetime.now(UTC),
    )


def _merge_shared(courses: Iterable[OfferedCourse]) -> list[OfferedCourse]:
    """A course shared by several programmes (Pégase "mutualisé") appears once per code chemin: keep one,
    with every programme it belongs to."""
    merged: dict[str, OfferedCourse] = {}
    for course in courses:
        first = merged.get(course.code)
        if first is None:
            merged[course.code] = course
            continue
        programmes = list(dict.fromkeys([*first.programme_codes, *course.programme_codes]))
        merged[course.code] = first.model_copy(update={"programme_codes": programmes})
    return list(merged.values())


# --- ODF syllabus ------------------------------------------------------------------------------------


def _nomenclature_code(value: Any) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("code"))
    return _text(value)


def apply_syllabus(course: OfferedCourse, detail: Mapping[str, Any]) -> OfferedCourse:
    syllabus = detail.get("descripteursSyllabus") or {}
    update: dict[str, Any] = {}
    description = _text(syllabus.get("description"))
    if description:
        update["description"] = {"fr": description}
    languages = syllabus.get("langueEnseignement")
    codes = [_nomenclature_code(v) for v in (languages if isinstance(languages, list) else [languages])]
    found = [c.lower()[:2] for c in codes if c]
    if found:
        update["languages"] = found
    descriptors = detail.get("descripteursObjetMaquette") or {}
    unit = _nomenclature_code(descriptors.get("structurePrincipale")) if isinstance(descriptors, dict) else None
    if unit:
        update["organisational_unit_code"] = unit
    return course.model_copy(update=update) if update else course


async def _with_syllabus(client: PegaseClient, period_id: str, courses: Sequence[OfferedCourse]) -> list[OfferedCourse]:
    cs = client.structure
    listed = await client.get_all(
        "odf",
        f"/etablissement/{cs}/objets-maquette",
        {"espace": period_id, "typeObjetMaquette": "OBJET-FORMATION"},
        size=500,
    )
    ids = {str(o["code"]): str(o["id"]) for o in listed if isinstance(o, dict) and o.get("id") and o.get("code")}
    semaphore = asyncio.Semaphore(client.config.concurrency)

    async def enrich(course: OfferedCourse) -> OfferedCourse:
        object_id = ids.get(course.code)
        if object_id is None:
            return course
        async with semaphore:
            try:
                detail = await client.get("odf", f"/etablissement/{cs}/objets-maquette/{object_id}")
            except SisError:
                return course  # the syllabus is a nicety: the offer stays usable without it
        return apply_syllabus(course, detail or {})

    return list(await asyncio.gather(*(enrich(c) for c in courses)))
