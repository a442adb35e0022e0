"""The in-memory SIS behaves like a strict one: idempotent writes, refusals, injected failures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from smile_sis import (
    AdministrativeEnrolmentRequest,
    CourseEnrolmentRequest,
    InMemorySIS,
    LearnerData,
    LearnerQuery,
    SisNotFound,
    SisRejected,
    SisResult,
    SisUnavailable,
)
from smile_sis.demo import demo_policy, load_demo

ANNA = LearnerData(
    reference="s1",
    family_name="Müller",
    given_names="Anna",
    birth_date=date(2003, 4, 2),
    sex="F",
    email="anna@uni-koeln.de",
)


def _admin(learner, **over):  # type: ignore[no-untyped-def]
    values = {
        "reference": "e1",
        "learner": learner,
        "period_code": "PER-2026",
        "programme_path": "ECH-DROIT",
        "regime_code": "REG-ECH",
        "exchange_programme_code": "ERASMUS",
        "country_code": "DE",
    }
    values.update(over)
    return AdministrativeEnrolmentRequest(**values)


async def test_a_learner_is_created_once_and_found_again_by_name_and_birth_date_ignoring_accents() -> None:
    sis = load_demo(InMemorySIS())
    created = await sis.ensure_learner(ANNA)
    again = await sis.ensure_learner(ANNA.model_copy(update={"family_name": "MULLER"}))
    assert created.created
    assert not again.created
    assert again.code == created.code
    assert await sis.find_learner(LearnerQuery(family_name="Muller", given_names="anna", birth_date=date(2003, 4, 2)))
    assert (
        await sis.find_learner(LearnerQuery(family_name="Muller", given_names="anna", birth_date=date(2003, 4, 3)))
        is None
    )


async def test_enrolments_are_idempotent_and_courses_kept_in_step() -> None:
    sis = load_demo(InMemorySIS())
    learner = await sis.ensure_learner(ANNA)
    first = await sis.enrol_administratively(_admin(learner))
    second = await sis.enrol_administratively(_admin(learner))
    assert not first.already_existed
    assert second.already_existed
    assert first.sis_enrolment_id == second.sis_enrolment_id
    request = CourseEnrolmentRequest(
        reference="c1",
        learner=learner,
        period_code="PER-2026",
        programme_path="ECH-DROIT",
        course_codes=["DRT-EU-101", "LET-FLE-100"],
    )
    receipt = await sis.enrol_in_courses(request)
    assert receipt.added == ["DRT-EU-101", "LET-FLE-100"]
    changed = await sis.enrol_in_courses(request.model_copy(update={"course_codes": ["DRT-EU-101", "DRT-INT-201"]}))
    assert changed.added == ["DRT-INT-201"]
    assert changed.removed == ["LET-FLE-100"]
    assert sis.course_enrolments[(learner.code, "PER-2026")] == ["DRT-EU-101", "DRT-INT-201"]


async def test_unknown_programmes_courses_and_periods_are_refused() -> None:
    sis = load_demo(InMemorySIS())
    learner = await sis.ensure_learner(ANNA)
    with pytest.raises(SisRejected):
        await sis.enrol_administratively(_admin(learner, programme_path="NOPE"))
    with pytest.raises(SisNotFound):
        await sis.enrol_administratively(_admin(learner, period_code="PER-1990"))
    with pytest.raises(SisRejected):  # courses before the administrative enrolment
        await sis.enrol_in_courses(
            CourseEnrolmentRequest(
                reference="c",
                learner=learner,
                period_code="PER-2026",
                programme_path="ECH-DROIT",
                course_codes=["DRT-EU-101"],
            )
        )
    await sis.enrol_administratively(_admin(learner))
    with pytest.raises(SisRejected):
        await sis.enrol_in_courses(
            CourseEnrolmentRequest(
                reference="c",
                learner=learner,
                period_code="PER-2026",
                programme_path="ECH-DROIT",
                course_codes=["XXX-000"],
            )
        )


async def test_injected_failures_hit_the_named_operation_the_given_number_of_times() -> None:
    sis = load_demo(InMemorySIS())
    sis.fail_next(SisUnavailable("SIS answered 500", status=500), operation="ensure_learner", times=2)
    await sis.list_periods()  # other operations unaffected
    for _ in range(2):
        with pytest.raises(SisUnavailable):
            await sis.ensure_learner(ANNA)
    assert (await sis.ensure_learner(ANNA)).created


async def test_results_and_history_are_read_back() -> None:
    sis = load_demo(InMemorySIS())
    learner = await sis.ensure_learner(ANNA)
    sis.publish_result(
        learner.code or "",
        SisResult(course_code="DRT-EU-101", period_code="PER-2026", grade=Decimal("14.5"), scale_max=Decimal(20)),
    )
    assert [r.grade for r in await sis.read_results(learner, "PER-2026", "ECH-DROIT")] == [Decimal("14.5")]
    history = await sis.read_grade_history(["PER-2024", "PER-2025"])
    assert history
    assert {r.period_code for r in history} == {"PER-2024", "PER-2025"}
    assert all(r.passed == (r.grade is not None and r.grade >= 10) for r in history)


def test_the_demo_policy_maps_units_programmes_and_countries() -> None:
    policy = demo_policy()
    assert policy.programme_path("DROIT") == "ECH-DROIT"
    assert policy.programme_path("UNKNOWN") == "ECH-SCI"
    assert policy.exchange_programme_code("Erasmus+") == "ERASMUS"
    assert policy.country_code("de") == "DE"
