"""Quality surveys: sent after the mobility ends, answered once, aggregated without exposing anyone."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest

from smile_records.surveys.loop import send_due_surveys

from .conftest import accepted, events, eventually, publish, records_service, staff, student

QUESTIONS = [
    {
        "id": "overall",
        "text": {"fr": "Satisfaction globale", "en": "Overall satisfaction"},
        "kind": "scale",
        "scale_max": 5,
        "overall": True,
    },
    {
        "id": "housing",
        "text": {"en": "Housing"},
        "kind": "choice",
        "options": [{"id": "campus", "text": {"en": "Campus"}}, {"id": "city", "text": {"en": "City"}}],
    },
    {"id": "again", "text": {"en": "Would you come again?"}, "kind": "yes_no"},
    {"id": "comment", "text": {"en": "Comments"}, "kind": "text", "required": False},
]


async def _questionnaire(h, *, anonymous: bool = True) -> dict:  # type: ignore[no-untyped-def,type-arg]
    created = await h.client.post(
        "/questionnaires",
        json={"title": {"fr": "Votre séjour", "en": "Your stay"}, "anonymous": anonymous, "questions": QUESTIONS},
        headers=staff(h, "coordinator"),
    )
    assert created.status_code == 201, created.text
    activated = await h.client.post(f"/questionnaires/{created.json()['id']}/activate", headers=staff(h, "coordinator"))
    assert activated.json()["status"] == "active"
    return dict(activated.json())


async def _ended_mobility(h, n: int) -> str:  # type: ignore[no-untyped-def]
    email = f"student{n}@uni-koeln.de"
    ended = date.today() - timedelta(days=3)
    person = student(esi=f"urn:schac:personalUniqueCode:int:esi:uni-koeln.de:{n}", email=email, given_names=f"S{n}")
    await publish(
        h,
        accepted(
            uuid.uuid4(), student=person, planned_arrival_date=ended - timedelta(days=120), planned_departure_date=ended
        ),
    )
    return email


async def _invited(h, count):  # type: ignore[no-untyped-def]
    await send_due_surveys(h.runtime)
    return (
        await h.client.get(
            f"/questionnaires/{(await h.client.get('/questionnaires', headers=staff(h))).json()[0]['id']}/results",
            headers=staff(h),
        )
    ).json()["invited"] == count


def _me(h, email):  # type: ignore[no-untyped-def]
    return h.headers("student", sub=email, email=email)


ANSWERS = {"overall": 4, "housing": "campus", "again": True, "comment": "Great library"}


async def test_students_whose_mobility_ended_answer_once(make_harness) -> None:
    h = await records_service(make_harness)
    questionnaire = await _questionnaire(h)
    email = await _ended_mobility(h, 1)
    future = student(
        esi="urn:schac:personalUniqueCode:int:esi:uni-koeln.de:99", email="later@uni-koeln.de", given_names="Later"
    )
    await publish(h, accepted(uuid.uuid4(), student=future, planned_departure_date=date.today() + timedelta(days=30)))
    await eventually(lambda: _invited(h, 1))
    assert (await h.client.get("/me/surveys", headers=_me(h, "later@uni-koeln.de"))).json() == []
    [survey] = (await h.client.get("/me/surveys", headers=_me(h, email))).json()
    assert survey["questionnaire"]["id"] == questionnaire["id"]
    first = await h.client.post(
        f"/me/surveys/{survey['id']}/response", json={"answers": ANSWERS}, headers=_me(h, email)
    )
    assert first.status_code == 201
    assert first.json()["anonymous"] is True
    second = await h.client.post(
        f"/me/surveys/{survey['id']}/response", json={"answers": ANSWERS}, headers=_me(h, email)
    )
    assert second.status_code == 409
    assert second.json()["type"] == "urn:smile:problem:survey-already-answered"
    other = await h.client.post(
        f"/me/surveys/{survey['id']}/response", json={"answers": ANSWERS}, headers=_me(h, "later@uni-koeln.de")
    )
    assert other.status_code in (403, 409)
    assert (await h.client.get("/me/surveys", headers=_me(h, email))).json() == []
    [completed] = await events(h, "records.survey.completed.v1")
    assert completed["anonymous"] is True
    assert completed["mobility_id"] is None
    assert (completed["overall_satisfaction"], completed["satisfaction_scale_max"]) == (4, 5)
    await send_due_surveys(h.runtime)  # sending again invites nobody twice
    assert (await h.client.get(f"/questionnaires/{questionnaire['id']}/results", headers=staff(h))).json()[
        "invited"
    ] == 1


@pytest.mark.parametrize(
    "answers",
    [
        {"housing": "campus", "again": True},  # required overall missing
        {**ANSWERS, "overall": 6},
        {**ANSWERS, "overall": True},
        {**ANSWERS, "housing": "castle"},
        {**ANSWERS, "again": "yes"},
        {**ANSWERS, "unknown": 1},
    ],
)
async def test_answers_that_do_not_fit_are_refused_and_the_survey_stays_open(make_harness, answers) -> None:  # type: ignore[no-untyped-def]
    h = await records_service(make_harness)
    await _questionnaire(h)
    email = await _ended_mobility(h, 2)
    await eventually(lambda: _invited(h, 1))
    [survey] = (await h.client.get("/me/surveys", headers=_me(h, email))).json()
    refused = await h.client.post(
        f"/me/surveys/{survey['id']}/response", json={"answers": answers}, headers=_me(h, email)
    )
    assert refused.status_code == 422
    assert len((await h.client.get("/me/surveys", headers=_me(h, email))).json()) == 1


async def test_anonymous_results_are_aggregates_and_small_groups_are_suppressed(make_harness) -> None:
    h = await records_service(make_harness)
    questionnaire = await _questionnaire(h)
    emails = [await _ended_mobility(h, n) for n in range(10, 16)]
    await eventually(lambda: _invited(h, 6))
    for i, email in enumerate(emails):
        [survey] = (await h.client.get("/me/surveys", headers=_me(h, email))).json()
        answers = {**ANSWERS, "overall": 1 + i % 5, "again": i % 2 == 0, "comment": f"comment {5 - i}"}
        assert (
            await h.client.post(
                f"/me/surveys/{survey['id']}/response", json={"answers": answers}, headers=_me(h, email)
            )
        ).status_code == 201
    results = (await h.client.get(f"/questionnaires/{questionnaire['id']}/results", headers=staff(h))).json()
    assert (results["responses"], results["invited"], results["response_rate"], results["suppressed"]) == (
        6,
        6,
        1.0,
        False,
    )
    overall = next(q for q in results["questions"] if q["id"] == "overall")
    assert overall["distribution"] == {"1": 2, "2": 1, "3": 1, "4": 1, "5": 1}
    assert overall["mean"] == 2.667
    comments = next(q for q in results["questions"] if q["id"] == "comment")["texts"]
    assert comments == sorted(comments)  # no order that would follow who answered when
    narrow = (
        await h.client.get(
            f"/questionnaires/{questionnaire['id']}/results", params={"academic_year": "2026/2027"}, headers=staff(h)
        )
    ).json()
    assert narrow["responses"] == 6
    none = (
        await h.client.get(
            f"/questionnaires/{questionnaire['id']}/results", params={"sending_hei_id": "uio.no"}, headers=staff(h)
        )
    ).json()
    assert none["responses"] == 0
    assert none["suppressed"] is False
    export = await h.client.get(
        f"/questionnaires/{questionnaire['id']}/export", params={"shape": "responses"}, headers=staff(h)
    )
    rows = list(csv.reader(io.StringIO(export.text), delimiter=";"))
    assert rows[0] == ["question", "kind", "answer", "count", "mean"]  # anonymous: aggregates only
    assert not any("student" in cell for row in rows for cell in row)


async def test_a_few_anonymous_answers_are_not_shown(make_harness) -> None:
    h = await records_service(make_harness)
    questionnaire = await _questionnaire(h)
    email = await _ended_mobility(h, 30)
    await eventually(lambda: _invited(h, 1))
    [survey] = (await h.client.get("/me/surveys", headers=_me(h, email))).json()
    await h.client.post(f"/me/surveys/{survey['id']}/response", json={"answers": ANSWERS}, headers=_me(h, email))
    results = (await h.client.get(f"/questionnaires/{questionnaire['id']}/results", headers=staff(h))).json()
    assert results["suppressed"] is True
    assert results["responses"] == 1
    assert all(q["answered"] == 0 and not q["texts"] for q in results["questions"])


async def test_a_named_questionnaire_exports_one_row_per_response(make_harness) -> None:
    h = await records_service(make_harness)
    questionnaire = await _questionnaire(h, anonymous=False)
    email = await _ended_mobility(h, 40)
    await eventually(lambda: _invited(h, 1))
    [survey] = (await h.client.get("/me/surveys", headers=_me(h, email))).json()
    await h.client.post(f"/me/surveys/{survey['id']}/response", json={"answers": ANSWERS}, headers=_me(h, email))
    export = await h.client.get(
        f"/questionnaires/{questionnaire['id']}/export", params={"shape": "responses"}, headers=staff(h)
    )
    rows = list(csv.reader(io.StringIO(export.text), delimiter=";"))
    assert rows[0][:2] == ["mobility_id", "sending_hei_id"]
    assert rows[1][1] == "uni-koeln.de"
    assert rows[1][-1] == "Great library"
    [completed] = await events(h, "records.survey.completed.v1")
    assert completed["mobility_id"] is not None


async def test_an_active_questionnaire_is_locked_and_staff_only(make_harness) -> None:
    h = await records_service(make_harness)
    questionnaire = await _questionnaire(h)
    body = {"title": {"en": "x"}, "questions": QUESTIONS}
    locked = await h.client.put(f"/questionnaires/{questionnaire['id']}", json=body, headers=staff(h, "coordinator"))
    assert locked.status_code == 409
    bad = await h.client.post(
        "/questionnaires",
        json={"title": {"en": "x"}, "questions": [{"id": "q", "text": {"en": "?"}, "kind": "scale"}]},
        headers=staff(h, "coordinator"),
    )
    assert bad.status_code == 422
    assert (await h.client.post("/questionnaires", json=body, headers=_me(h, "a@b.c"))).status_code == 403
    assert (
        await h.client.get(f"/questionnaires/{questionnaire['id']}", headers=staff(h, hei="univ-rennes.fr"))
    ).status_code == 404
