"""Bad filters, unknown event types and other tenants: clear problems, nothing crashes, nothing leaks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from smile_common.events import Envelope
from smile_common.events.payloads.catalogue import CoursePublished

from . import scenario
from .conftest import HEI, deliver, figure, started
from .test_courses import T0, course


def _unknown(kind: str) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source="/smile/elsewhere",
        type=kind,
        time=datetime.now(UTC),
        tenant=HEI,
        data={"anything": ["goes", 1]},
    )


async def test_unknown_event_types_are_ignored_counted_and_do_not_stop_the_flow(make_harness, smile_bus) -> None:
    indicators = await started(make_harness)
    strange = [_unknown("records.unicorn.sighted.v1"), _unknown("records.unicorn.sighted.v1"), _unknown("x.y.z.v9")]
    await deliver(indicators, smile_bus, [strange[0], course(CoursePublished, uuid.uuid4(), "A", at=T0), *strange[1:]])
    assert (await figure(indicators, "course-offer"))["total"]["courses_published"] == 1

    response = await indicators.client.get("/ingestion", headers=indicators.headers("admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["events"] == 4
    assert body["ignored"] == 3
    by_type = {t["type"]: (t["events"], t["projected"]) for t in body["types"]}
    assert by_type == {
        "catalogue.course.published.v1": (1, True),
        "records.unicorn.sighted.v1": (2, False),
        "x.y.z.v9": (1, False),
    }


async def test_bad_filters_are_problems_naming_the_parameter(make_harness) -> None:
    indicators = await started(make_harness)
    headers = indicators.headers("analyst")

    async def problem(params: dict[str, str], slug: str) -> dict:  # type: ignore[type-arg]
        response = await indicators.client.get("/figures/course-offer", params=params, headers=headers)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body: dict = response.json()  # type: ignore[type-arg]
        assert body["type"] == f"urn:smile:problem:{slug}"
        return body

    typo = await problem({"facultee": "DROIT"}, "invalid-filter")
    assert typo["errors"][0]["parameter"] == "facultee"
    not_here = await problem({"partner": "uni-koeln.de"}, "invalid-filter")
    assert "does not apply" in not_here["errors"][0]["reason"]
    await problem({"eqf": "9"}, "invalid-filter")
    await problem({"isced": "law"}, "invalid-filter")
    await problem({"by": "colour"}, "invalid-filter")
    await problem({"from": "2026-13-01"}, "invalid-filter")
    inverted = await problem({"from": "2026-10-01", "to": "2026-09-01"}, "invalid-date-range")
    assert "inverted" in inverted["detail"]
    unknown = await problem({"faculty": "NOPE"}, "unknown-filter-value")
    assert unknown["unknown"] == {"faculty": ["NOPE"]}

    fmt = await indicators.client.get("/figures/course-offer/export", params={"format": "pdf"}, headers=headers)
    assert fmt.status_code == 400
    assert fmt.json()["type"] == "urn:smile:problem:unsupported-export-format"


async def test_figures_need_a_reader_role_and_stay_within_the_university(make_harness, smile_bus) -> None:
    indicators = await started(make_harness)
    await deliver(indicators, smile_bus, [course(CoursePublished, uuid.uuid4(), "A", at=T0)])
    assert (await indicators.client.get("/figures/course-offer")).status_code == 401
    student = await indicators.client.get("/figures/course-offer", headers=indicators.headers("student"))
    assert student.status_code == 403
    other = await indicators.client.get(
        "/figures/course-offer", headers=indicators.headers("analyst", hei="unirennes.fr")
    )
    assert other.json()["total"]["courses_published"] == 0
    assert (await figure(indicators, "course-offer"))["total"]["courses_published"] == 1


async def test_a_referent_sees_only_their_faculties(make_harness, smile_bus) -> None:
    indicators = await started(make_harness)
    await deliver(
        indicators,
        smile_bus,
        [
            course(CoursePublished, uuid.uuid4(), "A", at=T0, unit="DROIT"),
            course(CoursePublished, uuid.uuid4(), "B", at=T0, unit="ECO"),
        ],
    )
    referent = indicators.headers("referent", ounits=["DROIT"])
    own = await indicators.client.get("/figures/course-offer", headers=referent)
    assert own.json()["total"]["courses_published"] == 1
    assert own.json()["filters"] == {"faculty": ["DROIT"]}
    other = await indicators.client.get("/figures/course-offer", params={"faculty": "ECO"}, headers=referent)
    assert other.status_code == 403

    # the catalogue says DROIT is a faculty with a department of European law; LANG has no course yet
    await deliver(
        indicators,
        smile_bus,
        [scenario.unit("DROIT", "faculty"), scenario.unit("DRT-EU", "department", parent="DROIT")],
    )
    department = indicators.headers("referent", ounits=["DRT-EU"])
    theirs = await indicators.client.get("/figures/course-offer", headers=department)
    assert theirs.json()["filters"] == {"faculty": ["DROIT"]}
    assert theirs.json()["total"]["courses_published"] == 1
    languages = await indicators.client.get(
        "/figures/course-offer", headers=indicators.headers("referent", ounits=["LANG"])
    )
    assert languages.status_code == 200, languages.text
    assert languages.json()["total"]["courses_published"] == 0
