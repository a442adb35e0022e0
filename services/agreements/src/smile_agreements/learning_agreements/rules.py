"""What makes a learning agreement valid: components that exist in the catalogue, credits in bounds,
changes that apply to what was agreed."""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.learning_agreements.models import CatalogueCourse
from smile_agreements.learning_agreements.schemas import ComponentIn
from smile_common.errors import Problem

RECEIVING_TABLES = ("studied", "virtual", "blended")


class UnknownCourses(Problem):
    status, slug, title = 422, "unknown-courses", "Components name courses that are not in the catalogue"


class CreditsOutOfBounds(Problem):
    status, slug, title = 422, "credits-out-of-bounds", "The credits of the learning agreement are out of bounds"


class InvalidChange(Problem):
    status, slug, title = 422, "invalid-change", "The change does not apply to the agreed learning agreement"


async def resolve(session: AsyncSession, tenant: str, components: list[ComponentIn]) -> list[dict[str, Any]]:
    """Components as stored, table A ones completed from the catalogue (published courses only)."""
    ids = [c.course_id for c in components if c.table in RECEIVING_TABLES and c.course_id]
    codes = [c.code for c in components if c.table in RECEIVING_TABLES and not c.course_id and c.code]
    query = sa.select(CatalogueCourse).where(
        CatalogueCourse.tenant == tenant,
        CatalogueCourse.published.is_(True),
        sa.or_(CatalogueCourse.course_id.in_(ids), CatalogueCourse.code.in_(codes)),
    )
    found = list((await session.execute(query)).scalars())
    by_id = {c.course_id: c for c in found}
    by_code = {c.code.lower(): c for c in found}
    out: list[dict[str, Any]] = []
    unknown: list[str] = []
    for c in components:
        item = c.model_dump(mode="json")
        item["id"] = str(uuid.uuid4())
        item["credits"] = credits_text(c.credits)
        if c.table in RECEIVING_TABLES:
            course = by_id.get(c.course_id) if c.course_id else by_code.get((c.code or "").lower())
            if course is None:
                unknown.append(str(c.course_id or c.code))
                continue
            item.update(course_id=str(course.course_id), code=course.code, los_id=f"CR/{course.course_id}")
            item["title"] = c.title or course.title.get("en") or next(iter(course.title.values()), course.code)
            item.setdefault("term", None)
            if not item["term"] and course.term_codes:
                item["term"] = course.term_codes[0]
        out.append(item)
    if unknown:
        raise UnknownCourses(f"Not in the catalogue: {', '.join(unknown)}.", unknown=unknown)
    return out


def credits_text(value: object) -> str:
    """Credits as written on an LA: ``6``, ``7.5`` (never ``6.0`` or ``6E+1``)."""
    number = Decimal(str(value))
    return str(number.quantize(Decimal(1))) if number == number.to_integral_value() else str(number.normalize())


def totals(components: list[dict[str, Any]]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for c in components:
        if c.get("status") == "deleted":
            continue
        sums[c["table"]] = sums.get(c["table"], Decimal(0)) + Decimal(str(c["credits"]))
    return {table: Decimal(credits_text(total)) for table, total in sums.items()}


def terms_of(academic_term: str | None) -> int:
    """How many terms the mobility lasts: one term of a two-term year is 1, a whole year is 2."""
    if not academic_term:
        return 2
    total = int(academic_term.rsplit("/", 1)[-1])
    return 2 if total == 1 else 1


def check_credits(components: list[dict[str, Any]], terms: int, *, minimum: int, maximum: int) -> None:
    studied = totals(components).get("studied", Decimal(0)) + totals(components).get("virtual", Decimal(0))
    low, high = minimum * terms, maximum * terms
    if not low <= studied <= high:
        raise CreditsOutOfBounds(
            f"Table A totals {studied} ECTS; a mobility of {terms} term(s) needs between {low} and {high}.",
            total=str(studied),
            minimum=low,
            maximum=high,
        )


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a["table"] != b["table"]:
        return False
    if a.get("course_id") and b.get("course_id"):
        return bool(a["course_id"] == b["course_id"])
    return bool((a.get("code") or a.get("title")) == (b.get("code") or b.get("title")))


def apply_changes(current: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tables after ``changes`` (inserted / deleted components, each with a reason)."""
    result = [dict(c) for c in current]
    for change in changes:
        if change.get("status") not in ("inserted", "deleted") or not change.get("reason_code"):
            raise InvalidChange("Each change is 'inserted' or 'deleted' and gives a reason_code.")
        kept = {k: v for k, v in change.items() if k not in ("status", "reason_code", "reason_text")}
        if change["status"] == "inserted":
            result.append(kept)
            continue
        match = next((c for c in result if _same(c, change)), None)
        if match is None:
            raise InvalidChange(f"'{change.get('code') or change.get('title')}' is not in the agreed tables.")
        result.remove(match)
    return result


def proposal_digest(components: list[dict[str, Any]], number: int) -> str:
    """``changes-proposal/@id`` of a version drafted in SMILE: changes iff its content changes."""
    content = [{k: v for k, v in c.items() if k != "id"} for c in components]
    raw = json.dumps([number, content], sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:40]
