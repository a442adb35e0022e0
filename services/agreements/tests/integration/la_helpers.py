"""Courses and baskets as the catalogue announces them, for the learning agreement tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from smile_common.events.payloads.catalogue import BasketCourse, BasketSubmitted, CoursePublished, CourseWithdrawn
from smile_common.testing.harness import ServiceHarness

from .helpers import publish, wait_for

COURSES = {
    "ECO-MAC-110": ("Macroeconomics", 6, "2026-S1"),
    "ECO-ECM-230": ("Applied econometrics", 5, "2026-S1"),
    "LET-FLE-100": ("French as a foreign language B1", 3, "2026-S1"),
    "DRT-EU-101": ("European Union law", 6, "2026-S1"),
    "HIS-NOR-150": ("History of medieval Normandy", 4, "2026-S1"),
}


async def publish_courses(h: ServiceHarness) -> dict[str, uuid.UUID]:
    ids = {}
    for code, (title, ects, term) in COURSES.items():
        course_id = uuid.uuid4()
        ids[code] = course_id
        await publish(
            h,
            CoursePublished(
                course_id=course_id,
                code=code,
                title={"en": title},
                ects=ects,
                term_codes=[term],
                organisational_unit_code=code[:3],
                changed_by="editor",
                changed_at=datetime.now(UTC),
            ),
        )
    await wait_for(lambda: _known(h, ids))
    return ids


async def withdraw(h: ServiceHarness, course_id: uuid.UUID, code: str) -> None:
    title, ects, term = COURSES[code]
    await publish(
        h,
        CourseWithdrawn(
            course_id=course_id,
            code=code,
            title={"en": title},
            ects=ects,
            term_codes=[term],
            changed_by="editor",
            changed_at=datetime.now(UTC),
        ),
    )


async def _known(h: ServiceHarness, ids: dict[str, uuid.UUID]) -> bool:
    from smile_agreements.learning_agreements.models import CatalogueCourse

    return await h.count(CatalogueCourse.__table__) >= len(ids)


def basket(mobility_id: str, ids: dict[str, uuid.UUID], codes: list[str], *, submission: int = 1) -> BasketSubmitted:
    courses = [
        BasketCourse(
            course_id=ids[code],
            los_id=f"CR/{ids[code]}",
            loi_id=f"CRI/{ids[code]}",
            code=code,
            title={"en": COURSES[code][0]},
            ects=COURSES[code][1],
            term_code=COURSES[code][2],
            academic_term_ewp_id="2026/2027-1/2",
        )
        for code in codes
    ]
    return BasketSubmitted(
        basket_id=uuid.uuid4(),
        submission=submission,
        student_subject="student-ingrid",
        student_email="ingrid.hansen@student.uio.no",
        mobility_id=uuid.UUID(mobility_id),
        academic_year_id="2026/2027",
        term_codes=["2026-S1"],
        courses=courses,
        total_ects=sum(c.ects for c in courses),
        submitted_at=datetime.now(UTC),
    )


def la_url(mobility_id: str) -> str:
    return f"/mobilities/{mobility_id}/learning-agreement"


def recognized(title: str, credits: int) -> dict[str, Any]:
    return {"table": "recognized", "title": title, "credits": credits}


def studied(code: str, credits: int) -> dict[str, Any]:
    return {"table": "studied", "code": code, "credits": credits}
