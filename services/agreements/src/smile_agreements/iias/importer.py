"""Importing IIAs from a spreadsheet (an EWP Dashboard export, or another tool's): one row per
cooperation condition, rows grouped into IIAs by agreement number. Column names are matched loosely
(see ``ALIASES`` and docs/iias.md). Each IIA is imported, or refused with the reason for each of its
rows; an IIA that already exists (same agreement number) is amended when the file says otherwise."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias import service
from smile_agreements.iias.compare import pair_conditions
from smile_agreements.iias.content import CooperationCondition, CooperationType
from smile_agreements.iias.core import load
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.schemas import IiaCreate, IiaUpdate
from smile_agreements.partners.repository import PartnerRepository
from smile_agreements.partners.schemas import ImportRowReport
from smile_agreements.tabular import Sheet, read_sheet
from smile_common.errors import Problem

__all__ = ["ALIASES", "import_iias"]

ALIASES = {
    "code": ("iia code", "agreement number", "iia number", "agreement code", "local iia code", "code"),
    "partner": ("partner schac", "partner hei id", "partner institution", "partner", "partner schac code"),
    "partner_erasmus": ("partner erasmus code", "erasmus code"),
    "partner_iia_id": ("partner iia id",),
    "partner_iia_code": ("partner iia code", "partner agreement number"),
    "local_ounit": ("local ounit id", "local organisational unit", "our ounit id"),
    "partner_ounit": ("partner ounit id", "partner organisational unit"),
    "type": ("mobility type", "cooperation type", "type", "activity"),
    "direction": ("direction", "flow"),
    "sending": ("sending institution", "sending hei", "sending hei id", "sending schac"),
    "receiving": ("receiving institution", "receiving hei", "receiving hei id", "receiving schac"),
    "sending_ounit": ("sending ounit id", "sending organisational unit"),
    "receiving_ounit": ("receiving ounit id", "receiving organisational unit"),
    "first_year": ("first academic year", "start academic year", "from academic year", "start year", "from"),
    "last_year": ("last academic year", "end academic year", "to academic year", "end year", "to"),
    "mobilities": ("mobilities per year", "number of mobilities", "places", "number of mobilities per year"),
    "months": ("total months per year", "total months", "months per year"),
    "days": ("total days per year", "total days", "days per year"),
    "isced": ("isced", "isced codes", "isced code", "subject area", "subject areas", "isced f code"),
    "clarification": ("isced clarification", "subject area clarification"),
    "eqf": ("eqf", "eqf levels", "eqf level", "study level", "study levels", "study cycle"),
    "languages": ("languages", "language skills", "recommended languages"),
    "language": ("language", "language of instruction"),
    "cefr": ("cefr", "cefr level", "language level"),
    "blended": ("blended", "blended mobility"),
    "other_info": ("other info terms", "other information", "other info"),
}

_TYPES = {
    CooperationType.STUDENT_STUDIES: ("student studies", "studies", "sms", "student mobility for studies"),
    CooperationType.STUDENT_TRAINEESHIP: ("student traineeship", "traineeship", "smp", "smt"),
    CooperationType.STAFF_TEACHER: ("staff teaching", "teaching", "staff teacher", "sta"),
    CooperationType.STAFF_TRAINING: ("staff training", "training", "stt"),
}
_LEVEL_WORDS = (
    ("short", 5),
    ("bachelor", 6),
    ("first cycle", 6),
    ("master", 7),
    ("second cycle", 7),
    ("doctor", 8),
    ("third cycle", 8),
)


class RowError(ValueError):
    pass


class RowsRefused(Exception):  # noqa: N818 - carries the messages of each refused row
    def __init__(self, messages: dict[int, list[str]]) -> None:
        super().__init__("rows refused")
        self.messages = messages


def _split(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;,|\n]+", value) if p.strip()]


def _type(value: str) -> CooperationType:
    wanted = re.sub(r"[^a-z ]+", " ", value.lower()).strip()
    wanted = " ".join(wanted.split())
    for kind, names in _TYPES.items():
        if wanted in names or wanted == kind.value.replace("_", " "):
            return kind
    raise RowError(
        f"unknown mobility type '{value}' (student studies, student traineeship, staff teaching, staff training)"
    )


def _year(value: str) -> str:
    match = re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", value.strip())
    if match is None:
        raise RowError(f"'{value}' is not an academic year such as 2026/2027")
    first, second = match.group(1), match.group(2)
    if len(second) == 2:
        second = first[:2] + second
    return f"{first}/{second}"


def _levels(value: str) -> list[int]:
    levels: list[int] = []
    for part in _split(value):
        digits = re.findall(r"\b[1-8]\b", part)
        words = [n for word, n in _LEVEL_WORDS if word in part.lower()]
        if not digits and not words:
            raise RowError(f"'{part}' is not an EQF level (1 to 8, or bachelor / master / doctoral)")
        for level in [int(d) for d in digits[-1:]] or words[:1]:
            if level not in levels:
                levels.append(level)
    return levels


def _languages(cells: dict[str, str]) -> list[dict[str, Any]]:
    skills = []
    for part in _split(cells.get("languages", "")):
        bits = re.split(r"[\s:]+", part.strip())
        skills.append({"language": bits[0].lower(), "cefr_level": bits[1].upper() if len(bits) > 1 else None})
    if cells.get("language"):
        skills.append({"language": cells["language"].lower(), "cefr_level": (cells.get("cefr") or "").upper() or None})
    return skills


def _blended(value: str) -> bool | None:
    if not value:
        return None
    if value.lower() in ("yes", "y", "true", "1", "oui"):
        return True
    if value.lower() in ("no", "n", "false", "0", "non"):
        return False
    raise RowError(f"blended must be yes or no, not '{value}'")


async def _hei(session: AsyncSession, tenant: str, value: str) -> str:
    if not value:
        return ""
    if "." in value and " " not in value.strip():
        return value.strip().lower()
    partner = await PartnerRepository(session).by_erasmus_code(tenant, value)
    if partner is None:
        raise RowError(f"'{value}' is neither a SCHAC code nor the Erasmus code of a known partner")
    return partner.hei_id


async def _flow(session: AsyncSession, tenant: str, partner: str, cells: dict[str, str]) -> tuple[str, str]:
    direction = cells.get("direction", "").lower()
    if direction in ("incoming", "in", "entrant", "entrante"):
        return partner, tenant
    if direction in ("outgoing", "out", "sortant", "sortante"):
        return tenant, partner
    sending, receiving = (
        await _hei(session, tenant, cells.get("sending", "")),
        await _hei(session, tenant, cells.get("receiving", "")),
    )
    if sending and receiving:
        return sending, receiving
    raise RowError("give the direction (incoming / outgoing) or the sending and receiving institutions")


async def _condition(session: AsyncSession, tenant: str, partner: str, cells: dict[str, str]) -> CooperationCondition:
    kind = _type(cells.get("type", ""))
    sending, receiving = await _flow(session, tenant, partner, cells)
    codes, notes = _split(cells.get("isced", "")), _split(cells.get("clarification", ""))
    student = kind in (CooperationType.STUDENT_STUDIES, CooperationType.STUDENT_TRAINEESHIP)
    data: dict[str, Any] = {
        "type": kind,
        "sending_hei_id": sending,
        "sending_ounit_id": cells.get("sending_ounit") or None,
        "receiving_hei_id": receiving,
        "receiving_ounit_id": cells.get("receiving_ounit") or None,
        "receiving_first_academic_year_id": _year(cells.get("first_year", "")),
        "receiving_last_academic_year_id": _year(cells.get("last_year", "")),
        "mobilities_per_year": cells.get("mobilities") or None,
        "recommended_language_skills": _languages(cells),
        "subject_areas": [
            {"isced_f_code": code, "isced_clarification": notes[i] if i < len(notes) else None}
            for i, code in enumerate(codes)
        ],
        "other_info_terms": cells.get("other_info") or None,
        "total_months_per_year": (cells.get("months") or None) if student else None,
        "blended": (_blended(cells.get("blended", "")) or False) if student else None,
        "eqf_levels": _levels(cells.get("eqf", "")) if student and cells.get("eqf") else [],
        "total_days_per_year": None if student else (cells.get("days") or None),
    }
    return CooperationCondition.model_validate(data)


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors(include_url=False)]
    if isinstance(exc, Problem):
        return [exc.detail or exc.title]
    return [str(exc)]


async def _iia(
    session: AsyncSession, tenant: str, actor: str, code: str, rows: list[tuple[int, dict[str, str]]], share: bool
) -> tuple[str, Any]:
    first = rows[0][1]
    partner = await _hei(session, tenant, first.get("partner") or first.get("partner_erasmus", ""))
    if not partner:
        raise RowError("no partner institution (partner SCHAC code or Erasmus code)")
    conditions: list[CooperationCondition] = []
    refused: dict[int, list[str]] = {}
    for number, cells in rows:
        try:
            conditions.append(await _condition(session, tenant, partner, cells))
        except (RowError, ValidationError) as exc:
            refused[number] = _errors(exc)
    if refused:
        raise RowsRefused(refused)
    local = {"hei_id": tenant, "iia_code": code, "ounit_id": first.get("local_ounit") or None}
    other = {
        "hei_id": partner,
        "iia_id": first.get("partner_iia_id") or None,
        "iia_code": first.get("partner_iia_code") or None,
        "ounit_id": first.get("partner_ounit") or None,
    }
    existing = await IiaRepository(session).by_code(tenant, code)
    if existing is not None:
        loaded = await load(session, tenant, existing.id)
        current = loaded.content.cooperation_conditions
        for pair in pair_conditions(conditions, current):
            if pair.ours is not None and pair.theirs is not None:
                conditions[pair.ours] = conditions[pair.ours].model_copy(update={"id": current[pair.theirs].id})
        update = IiaUpdate.model_validate(
            {"partners": [local, other], "cooperation_conditions": conditions, "version": existing.version}
        )
        before = existing.version
        loaded = await service.update_iia(session, tenant, actor, existing.id, update)
        return ("updated" if loaded.iia.version != before else "unchanged"), loaded.iia.id
    create = IiaCreate.model_validate(
        {"partners": [local, other], "cooperation_conditions": conditions, "share": share}
    )
    loaded = await service.create_iia(session, tenant, actor, create, source="import")
    return "created", loaded.iia.id


async def import_iias(
    session: AsyncSession,
    tenant: str,
    actor: str,
    data: bytes,
    filename: str | None,
    content_type: str | None,
    *,
    share: bool,
) -> list[ImportRowReport]:
    sheet: Sheet = read_sheet(data, filename, content_type)
    columns = sheet.column(ALIASES)
    missing = [f for f in ("code", "type", "first_year", "last_year") if f not in columns]
    if missing:
        raise Problem(f"The file lacks the columns {missing} (see docs/iias.md).", status=422, slug="missing-columns")
    groups: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    report: list[ImportRowReport] = []
    for number, cells in sheet.rows:
        values = {field: cells.get(header, "") for field, header in columns.items()}
        if not values.get("code"):
            report.append(ImportRowReport(row=number, status="error", messages=["no agreement number (IIA code)"]))
            continue
        groups[values["code"]].append((number, values))
    for code, rows in groups.items():
        savepoint = await session.begin_nested()
        try:
            status, iia_id = await _iia(session, tenant, actor, code, rows, share)
        except RowsRefused as exc:
            await savepoint.rollback()
            for n, _ in rows:
                own = exc.messages.get(n) or [f"refused with the other rows of IIA {code}"]
                report.append(ImportRowReport(row=n, status="error", key=code, messages=own))
            continue
        except (RowError, ValidationError, Problem, ValueError) as exc:
            await savepoint.rollback()
            report.extend(ImportRowReport(row=n, status="error", key=code, messages=_errors(exc)) for n, _ in rows)
            continue
        await savepoint.commit()
        report.extend(ImportRowReport(row=n, status=status, key=code, id=iia_id) for n, _ in rows)
    return sorted(report, key=lambda line: line.row)
