"""Students' baskets: choosing courses, checking them rule by rule, submitting them to agreements."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.baskets.models import Basket, BasketItem, BasketStatus
from smile_catalogue.baskets.rules import BasketFacts, Check, CourseFacts, ItemFacts, run_checks
from smile_catalogue.baskets.schemas import BasketCreate, BasketUpdate
from smile_catalogue.courses.models import Course, CourseStatus
from smile_catalogue.db import is_postgres, outbox
from smile_catalogue.institution.service import basket_policy
from smile_catalogue.refs import Refs, UnknownReference, load_refs
from smile_common.db import utcnow
from smile_common.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from smile_common.events.payloads.catalogue import (
    BasketCheckNote,
    BasketCourse,
    BasketReopened,
    BasketSubmitted,
    DeclaredLanguage,
    loi_id,
    los_id,
)
from smile_common.security import Principal, Role

MAX_COURSES = 40


class BasketSubmitted409(Conflict):
    slug, title = "basket-submitted", "The basket is submitted: reopen it to change it"


class BasketNotValid(Conflict):
    slug, title = "basket-not-valid", "The basket does not pass the university's rules"


class CourseNotOpen(Conflict):
    slug, title = "course-not-open", "The course is not open to exchange students"


def _check_refs(refs: Refs, terms: list[str] | None, unit: str | None) -> None:
    problems: list[tuple[list[str | int], str]] = [
        (["term_codes", i], f"no term has the code '{t}'") for i, t in enumerate(terms or []) if t not in refs.terms
    ]
    if unit is not None and unit not in refs.units:
        problems.append((["host_unit_code"], f"no organisational unit has the code '{unit}'"))
    if problems:
        errors = [{"loc": loc, "msg": msg} for loc, msg in problems]
        raise UnknownReference("; ".join(msg for _, msg in problems), errors=errors)


async def create_basket(session: AsyncSession, principal: Principal, data: BasketCreate) -> Basket:
    if Role.STUDENT not in principal.roles:
        raise Forbidden("Baskets are made by students.")
    _check_refs(await load_refs(session, principal.tenant), data.term_codes, data.host_unit_code)
    now = utcnow()
    basket = Basket(
        id=uuid.uuid4(),
        tenant=principal.tenant,
        student_subject=principal.subject,
        student_email=principal.email,
        student_name=principal.name,
        mobility_id=data.mobility_id,
        term_codes=list(data.term_codes),
        declared_languages=[d.model_dump() for d in data.declared_languages],
        host_unit_code=data.host_unit_code,
        status=BasketStatus.OPEN.value,
        submission=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(basket)
    await session.flush()
    return basket


async def get_basket(
    session: AsyncSession, principal: Principal, basket_id: uuid.UUID, *, for_update: bool = False, write: bool = False
) -> Basket:
    query = sa.select(Basket).where(Basket.tenant == principal.tenant, Basket.id == basket_id)
    if for_update:
        query = query.with_for_update()
    basket = (await session.execute(query)).scalar_one_or_none()
    own = basket is not None and basket.student_subject == principal.subject
    if basket is None or not (own or (principal.is_staff and not write)):
        raise NotFound(f"No basket {basket_id}.")
    return basket


async def list_baskets(session: AsyncSession, principal: Principal) -> list[Basket]:
    query = sa.select(Basket).where(Basket.tenant == principal.tenant)
    if not principal.is_staff:
        query = query.where(Basket.student_subject == principal.subject)
    return list((await session.execute(query.order_by(Basket.created_at.desc()).limit(200))).scalars())


async def _open_for_change(session: AsyncSession, principal: Principal, basket_id: uuid.UUID) -> Basket:
    basket = await get_basket(session, principal, basket_id, for_update=True, write=True)
    if basket.status != BasketStatus.OPEN.value:
        raise BasketSubmitted409("Reopen the basket (POST …/reopen) before changing it.")
    return basket


def _touch(basket: Basket) -> None:
    basket.updated_at = utcnow()
    basket.version += 1


async def update_basket(
    session: AsyncSession, principal: Principal, basket_id: uuid.UUID, data: BasketUpdate
) -> Basket:
    basket = await _open_for_change(session, principal, basket_id)
    changes = data.model_dump(exclude_unset=True)
    _check_refs(await load_refs(session, principal.tenant), changes.get("term_codes"), changes.get("host_unit_code"))
    for name, value in changes.items():
        if name == "term_codes" and value is None:
            raise UnprocessableEntity("term_codes cannot be empty.")
        setattr(basket, name, value)
    _touch(basket)
    await session.flush()
    return basket


async def items_of(session: AsyncSession, basket: Basket) -> list[BasketItem]:
    query = sa.select(BasketItem).where(BasketItem.basket_id == basket.id).order_by(BasketItem.added_at)
    return list((await session.execute(query)).scalars())


async def add_course(
    session: AsyncSession, principal: Principal, basket_id: uuid.UUID, course_id: uuid.UUID, term_code: str | None
) -> Basket:
    basket = await _open_for_change(session, principal, basket_id)
    course = await session.get(Course, course_id)
    if course is None or course.tenant != basket.tenant or course.status != CourseStatus.PUBLISHED.value:
        raise NotFound(f"No published course {course_id}.")
    if not course.open_to_exchange:
        raise CourseNotOpen(f"{course.code} is not open to exchange students.")
    items = await items_of(session, basket)
    if len(items) >= MAX_COURSES and all(i.course_id != course_id for i in items):
        raise Conflict(f"A basket holds at most {MAX_COURSES} courses.", slug="basket-full")
    term = term_code or _infer_term(course, basket)
    existing = next((i for i in items if i.course_id == course_id), None)
    if existing is None:
        session.add(BasketItem(basket_id=basket.id, course_id=course_id, term_code=term, added_at=utcnow()))
    else:
        existing.term_code = term
    _touch(basket)
    await session.flush()
    return basket


def _infer_term(course: Course, basket: Basket) -> str:
    shared = [t for t in course.term_codes if t in basket.term_codes]
    if len(shared) > 1:
        raise UnprocessableEntity(
            f"{course.code} is given in {', '.join(shared)}: say which term with term_code.", slug="term-needed"
        )
    if shared:
        return shared[0]
    return course.term_codes[0] if course.term_codes else basket.term_codes[0]


async def remove_course(
    session: AsyncSession, principal: Principal, basket_id: uuid.UUID, course_id: uuid.UUID
) -> Basket:
    basket = await _open_for_change(session, principal, basket_id)
    await session.execute(
        sa.delete(BasketItem).where(BasketItem.basket_id == basket.id, BasketItem.course_id == course_id)
    )
    _touch(basket)
    await session.flush()
    return basket


# --- checks and views --------------------------------------------------------------------------------------
async def _taken(session: AsyncSession, basket: Basket, course_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not course_ids:
        return {}
    query = (
        sa.select(BasketItem.course_id, sa.func.count())
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(
            Basket.tenant == basket.tenant,
            Basket.status == BasketStatus.SUBMITTED.value,
            Basket.id != basket.id,
            BasketItem.course_id.in_(course_ids),
        )
        .group_by(BasketItem.course_id)
    )
    return {course_id: int(count) for course_id, count in await session.execute(query)}


async def evaluate(session: AsyncSession, basket: Basket, *, lock: bool = False) -> tuple[dict[str, Any], list[Check]]:
    """The basket as the student sees it, and its checks."""
    items = await items_of(session, basket)
    ids = [i.course_id for i in items]
    query = sa.select(Course).where(Course.id.in_(ids))
    if lock and is_postgres(session):
        query = query.with_for_update()  # seats are counted under lock: two last-seat submissions wait in turn
    courses = {c.id: c for c in (await session.execute(query)).scalars()} if ids else {}
    refs = await load_refs(session, basket.tenant)
    taken = await _taken(session, basket, ids)
    facts = BasketFacts(
        term_codes=tuple(basket.term_codes),
        declared={d["language"]: d["cefr_level"] for d in basket.declared_languages},
        host_faculty=refs.faculty_of(basket.host_unit_code),
        items=[ItemFacts(_facts(courses[i.course_id], refs), i.term_code) for i in items if i.course_id in courses],
        taken=taken,
        term_names={code: t.name for code, t in refs.terms.items()},
        faculty_names={code: u.name for code, u in refs.units.items()},
    )
    checks = run_checks(facts, await basket_policy(session, basket.tenant))
    return _view(basket, items, courses, taken, checks), checks


def _facts(course: Course, refs: Refs) -> CourseFacts:
    return CourseFacts(
        id=course.id,
        code=course.code,
        title=course.title,
        ects=Decimal(course.ects),
        published=course.status == CourseStatus.PUBLISHED.value,
        open_to_exchange=course.open_to_exchange,
        term_codes=tuple(course.term_codes),
        languages=tuple((entry["language"], entry.get("cefr_level")) for entry in course.languages),
        schedule=tuple(course.schedule),
        capacity=course.capacity,
        faculty_code=refs.faculty_of(course.organisational_unit_code),
        prerequisites=dict(course.prerequisites),
    )


def _view(
    basket: Basket,
    items: list[BasketItem],
    courses: dict[uuid.UUID, Course],
    taken: dict[uuid.UUID, int],
    checks: list[Check],
) -> dict[str, Any]:
    views, per_term = [], {t: Decimal(0) for t in basket.term_codes}
    for item in items:
        c = courses.get(item.course_id)
        if c is None:
            continue
        per_term[item.term_code] = per_term.get(item.term_code, Decimal(0)) + c.ects
        views.append(
            {
                "course_id": str(c.id),
                "code": c.code,
                "title": c.title,
                "ects": float(c.ects),
                "term_code": item.term_code,
                "organisational_unit_code": c.organisational_unit_code,
                "languages": c.languages,
                "schedule": c.schedule,
                "capacity": c.capacity,
                "places_left": None if c.capacity is None else max(0, c.capacity - taken.get(c.id, 0)),
                "available": c.status == CourseStatus.PUBLISHED.value and c.open_to_exchange,
            }
        )
    return {
        "id": str(basket.id),
        "status": basket.status,
        "submission": basket.submission,
        "student_subject": basket.student_subject,
        "mobility_id": str(basket.mobility_id) if basket.mobility_id else None,
        "term_codes": basket.term_codes,
        "declared_languages": basket.declared_languages,
        "host_unit_code": basket.host_unit_code,
        "courses": views,
        "total_ects": float(sum(per_term.values(), Decimal(0))),
        "ects_per_term": {term: float(value) for term, value in per_term.items()},
        "checks": [c.as_json() for c in checks],
        "submittable": bool(views) and not any(c.severity == "error" for c in checks),
        "submitted_at": basket.submitted_at.isoformat() if basket.submitted_at else None,
        "updated_at": basket.updated_at.isoformat(),
        "version": basket.version,
    }


async def submit(session: AsyncSession, principal: Principal, basket_id: uuid.UUID) -> dict[str, Any]:
    basket = await get_basket(session, principal, basket_id, for_update=True, write=True)
    if basket.status == BasketStatus.SUBMITTED.value:
        return (await evaluate(session, basket))[0]  # submitting twice changes nothing
    view, checks = await evaluate(session, basket, lock=True)
    if not view["courses"]:
        raise BasketNotValid("Add at least one course before submitting.", checks=view["checks"])
    errors = [c for c in checks if c.severity == "error"]
    if errors:
        detail = " ".join(c.message["en"] for c in errors)
        raise BasketNotValid(detail, checks=view["checks"])
    now = utcnow()
    basket.status, basket.submission, basket.submitted_at = BasketStatus.SUBMITTED.value, basket.submission + 1, now
    _touch(basket)
    await session.flush()
    refs = await load_refs(session, basket.tenant)
    await outbox.record(session, _submitted(basket, view, checks, refs), tenant=basket.tenant, subject=str(basket.id))
    return (await evaluate(session, basket))[0]


def _submitted(basket: Basket, view: dict[str, Any], checks: list[Check], refs: Refs) -> BasketSubmitted:
    courses = []
    for c in view["courses"]:
        term = refs.terms.get(c["term_code"])
        course_id = uuid.UUID(c["course_id"])
        courses.append(
            BasketCourse(
                course_id=course_id,
                los_id=los_id(course_id),
                loi_id=loi_id(course_id, c["term_code"]),
                code=c["code"],
                title=c["title"],
                ects=c["ects"],
                term_code=c["term_code"],
                academic_term_ewp_id=term.ewp_id if term else None,
                academic_year_id=term.academic_year_id if term else None,
                organisational_unit_code=c["organisational_unit_code"],
                languages=[x["language"] for x in c["languages"]],
            )
        )
    first_term = refs.terms.get(basket.term_codes[0])
    return BasketSubmitted(
        basket_id=basket.id,
        submission=basket.submission,
        student_subject=basket.student_subject,
        student_email=basket.student_email,
        student_name=basket.student_name,
        mobility_id=basket.mobility_id,
        academic_year_id=first_term.academic_year_id if first_term else None,
        term_codes=list(basket.term_codes),
        declared_languages=[DeclaredLanguage(**d) for d in basket.declared_languages],
        courses=courses,
        total_ects=view["total_ects"],
        warnings=[
            BasketCheckNote(rule=c.rule, message=c.message["en"], course_ids=c.course_ids)
            for c in checks
            if c.severity == "warning"
        ],
        submitted_at=basket.submitted_at or utcnow(),
    )


async def reopen(session: AsyncSession, principal: Principal, basket_id: uuid.UUID) -> Basket:
    basket = await get_basket(session, principal, basket_id, for_update=True, write=True)
    if basket.status == BasketStatus.OPEN.value:
        return basket
    basket.status = BasketStatus.OPEN.value
    _touch(basket)
    await session.flush()
    payload = BasketReopened(
        basket_id=basket.id,
        submission=basket.submission,
        student_subject=basket.student_subject,
        mobility_id=basket.mobility_id,
        reopened_at=basket.updated_at,
    )
    await outbox.record(session, payload, tenant=basket.tenant, subject=str(basket.id))
    return basket
