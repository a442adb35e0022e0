"""Nominations from a CSV file (partners outside EWP): all rows or none."""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.mobilities import service
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.schemas import ImportRowError, NominationCreate
from smile_common.errors import Problem
from smile_common.events.payloads.mobility import MobilitySource

#: columns of the CSV, in the order of the template the office downloads (docs/mobility.md)
COLUMNS = [
    "given_names",
    "family_name",
    "email",
    "birth_date",
    "citizenship",
    "gender",
    "esi",
    "preferred_language",
    "sending_hei_id",
    "sending_ounit_id",
    "receiving_ounit_code",
    "iia_id",
    "cooperation_condition_id",
    "programme",
    "academic_year",
    "academic_term",
    "planned_arrival_date",
    "planned_departure_date",
    "eqf_level",
    "isced_code",
    "languages",
    "comment",
]
_STUDENT = {"given_names", "family_name", "email", "birth_date", "citizenship", "gender", "esi", "preferred_language"}
MAX_ROWS = 2000


class CsvRejected(Problem):
    status, slug, title = 422, "csv-rejected", "The CSV file has errors; nothing was imported"


def parse_rows(content: bytes) -> list[dict[str, str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRejected("The file must be UTF-8 text.") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
    missing = [
        c
        for c in ("given_names", "family_name", "sending_hei_id", "academic_year")
        if c not in (reader.fieldnames or [])
    ]
    if unknown or missing:
        raise CsvRejected(
            f"Unknown columns: {unknown or 'none'}; missing columns: {missing or 'none'}.", columns=COLUMNS
        )
    rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    if not rows:
        raise CsvRejected("The file has no nomination.")
    if len(rows) > MAX_ROWS:
        raise CsvRejected(f"At most {MAX_ROWS} nominations per file.")
    return rows


def to_nomination(row: dict[str, str]) -> NominationCreate:
    data: dict[str, Any] = {k: v for k, v in row.items() if v and k not in _STUDENT and k != "languages"}
    data["student"] = {k: v for k, v in row.items() if v and k in _STUDENT}
    if "gender" in data["student"]:
        data["student"]["gender"] = (
            int(data["student"]["gender"]) if data["student"]["gender"].isdigit() else data["student"]["gender"]
        )
    skills = []
    for item in row.get("languages", "").replace(",", " ").split():
        language, _, level = item.partition(":")
        skills.append({"language": language.lower(), "cefr_level": level.upper() or None})
    data["language_skills"] = skills
    return NominationCreate.model_validate(data)


def _messages(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


async def import_nominations(
    session: AsyncSession, tenant: str, actor: str, content: bytes, *, office_email: str
) -> list[Mobility]:
    origin = service.Origin(source=MobilitySource.CSV, actor=actor)
    created: list[Mobility] = []
    errors: list[ImportRowError] = []
    for number, row in enumerate(parse_rows(content), start=2):
        try:
            created.append(
                await service.create_nomination(session, tenant, to_nomination(row), origin, office_email=office_email)
            )
        except ValidationError as exc:
            errors.append(ImportRowError(row=number, errors=_messages(exc)))
        except Problem as exc:
            errors.append(ImportRowError(row=number, errors=[exc.detail or exc.title]))
    if errors:
        raise CsvRejected(
            f"{len(errors)} row(s) have errors; nothing was imported.", rows=[e.model_dump() for e in errors]
        )
    return created
