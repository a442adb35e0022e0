"""Every indicator against figures computed by hand from the scripted year (see scenario.py).

The events are delivered shuffled, some twice and in several batches, as a broker may deliver them.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from smile_common.testing.harness import ServiceHarness
from smile_indicators.figures import clock

from . import scenario
from .conftest import deliver, figure, started


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: scenario.NOW)


async def delivered_shuffled(make_harness: Any, smile_bus: Any, seed: int = 7) -> ServiceHarness:
    indicators = await started(make_harness)
    events = scenario.scenario()
    rng = random.Random(seed)
    shuffled = events[:]
    rng.shuffle(shuffled)
    repeated = rng.sample(events, 12)
    half = len(shuffled) // 2
    await deliver(indicators, smile_bus, shuffled[:half] + repeated[:6])
    await deliver(indicators, smile_bus, shuffled[half:] + repeated)
    return indicators


def rows(body: dict[str, Any], key: str, *measures: str) -> dict[Any, tuple[Any, ...]]:
    return {row[key]: tuple(row[m] for m in measures) for row in body["rows"]}


async def test_incoming_students(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    # accepted, live or completed: M1, M2, M5, M6, M8 (M3 cancelled, M4 rejected, M7 pending)
    total = (await figure(h, "incoming-students"))["total"]
    assert total == {"students": 5, "arrived": 4, "completed": 2, "through_ewp": 3}
    by_country = await figure(h, "incoming-students", by="country")
    assert rows(by_country, "country", "students") == {"DE": (2,), "IT": (2,), "PL": (1,)}
    by_faculty = await figure(h, "incoming-students", by="faculty")
    # M1 studies in the EU law department, part of the law faculty
    assert rows(by_faculty, "faculty", "students") == {"DROIT": (1,), "IUT-CHERBOURG": (2,), "SCI": (2,)}
    by_year = await figure(h, "incoming-students", by="academic_year")
    assert rows(by_year, "academic_year", "students") == {"2025/2026": (4,), "2026/2027": (1,)}
    series = await figure(h, "incoming-students", by="month")
    months = rows(series, "month", "students")
    assert len(months) == 13  # 2025-09 to 2026-09, empty months included
    assert (months["2025-09"], months["2026-01"], months["2026-09"]) == ((4,), (0,), (1,))
    assert (await figure(h, "incoming-students", programme="bilateral"))["total"]["students"] == 2  # M5, M8
    assert (await figure(h, "incoming-students", isced="04"))["total"]["students"] == 2
    assert (await figure(h, "incoming-students", eqf="7"))["total"]["students"] == 2
    assert (await figure(h, "incoming-students", country="de,it", term="2025/2026-1/2"))["total"]["students"] == 4
    ranged = await figure(h, "incoming-students", **{"from": "2025-09-02", "to": "2025-09-30"})
    assert ranged["total"]["students"] == 3  # arrivals on 09-03 (M2), 09-10 (M5), 09-15 planned (M8)


async def test_nominations(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    total = (await figure(h, "nominations"))["total"]
    # decisions after 4, 10, 3, 10, 4, 9 and 2 days -> median 4
    assert total == {
        "received": 8,
        "received_through_ewp": 5,
        "accepted": 6,
        "rejected": 1,
        "pending": 1,
        "cancelled": 1,
        "acceptance_rate": 0.8571,
        "median_decision_days": 4.0,
    }
    by_year = await figure(h, "nominations", by="academic_year")
    assert rows(by_year, "academic_year", "received", "accepted") == {"2025/2026": (6, 5), "2026/2027": (2, 1)}
    by_partner = await figure(h, "nominations", by="partner")
    assert rows(by_partner, "partner", "received", "rejected") == {
        "uni-koeln.de": (4, 0),
        "unibo.it": (3, 1),
        "uw.edu.pl": (1, 0),
    }


async def test_iia_quota_and_balance(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    quota = await figure(h, "iia-quota", by="iia")
    # K-in 3+3 places, 2 used in 2025/2026; B-in 1 place, M5 + M8 (no condition: the IIA's only one) used;
    # W-in has no number of places (M6); staff conditions and the draft IIA do not count
    assert quota["total"] == {
        "agreements": 3,
        "places": 7,
        "used": 4,
        "remaining": 4,
        "use_rate": 0.5714,
        "over_quota": 1,
        "used_without_quota": 1,
    }
    assert rows(quota, "iia", "places", "used", "remaining", "over_quota", "used_without_quota") == {
        "IIA-BOLOGNA": (1, 2, 0, 1, 0),
        "IIA-KOELN": (6, 2, 4, 0, 0),
        "IIA-WARSAW": (0, 0, 0, 0, 1),
    }
    by_year = await figure(h, "iia-quota", by="academic_year")
    assert rows(by_year, "academic_year", "places", "used", "use_rate") == {
        "2025/2026": (4, 4, 1.0),
        "2026/2027": (3, 0, 0.0),
    }
    assert (await figure(h, "iia-quota", isced="05"))["total"]["places"] == 1
    balance = await figure(h, "exchange-balance", by="partner")
    assert balance["total"] == {
        "places_in": 7,
        "places_out": 4,
        "places_balance": 3,
        "students_in": 5,
        "use_rate_in": 0.7143,
    }
    assert rows(balance, "partner", "places_in", "places_out", "students_in", "use_rate_in") == {
        "uni-koeln.de": (6, 4, 2, 0.3333),
        "unibo.it": (1, 0, 2, 2.0),
        "uw.edu.pl": (0, 0, 1, None),
    }


async def test_learning_agreement_turnaround(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    body = await figure(h, "learning-agreement-turnaround", by="channel")
    # approved after 10 (M1 v1), 20 (M2 v2), 3 (M5 v1) and 30 days (M5 v2): median 15, p90 27
    assert body["total"] == {
        "versions": 6,
        "approved": 4,
        "rejected": 1,
        "pending": 1,
        "median_days": 15.0,
        "p90_days": 27.0,
        "approved_through_ewp": 3,
        "ewp_share": 0.75,
    }
    assert body["targets"] == {"ewp_share": 0.95}
    assert rows(body, "channel", "approved", "median_days", "p90_days") == {
        "ewp": (3, 10.0, 26.0),
        "local": (1, 20.0, 20.0),
    }
    changes = await figure(h, "learning-agreement-turnaround", by="kind")
    assert rows(changes, "kind", "approved", "median_days")["changes"] == (1, 30.0)


async def test_transcript_delay(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    body = await figure(h, "transcript-delay", by="faculty")
    # ended: M1 (20 days, first version counts), M2 (100 days), M5 and M8 still waiting; M6 ends in 2027
    assert body["total"] == {
        "mobilities_ended": 4,
        "transcripts_issued": 2,
        "median_days": 60.0,
        "p90_days": 92.0,
        "within_target": 1,
        "within_target_share": 0.5,
        "awaiting": 2,
        "overdue": 2,
    }
    assert rows(body, "faculty", "transcripts_issued", "median_days", "awaiting") == {
        "DROIT": (1, 20.0, 0),
        "SCI": (1, 100.0, 0),
        "IUT-CHERBOURG": (0, None, 2),
    }


async def test_ects_planned_and_obtained(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    body = await figure(h, "ects", by="faculty")
    # planned 30 (M1) + 27 (M2 v2) + 24 (M5 v2); transcripts 30/30 (M1 corrected) and 24/18 (M2)
    assert body["total"] == {
        "mobilities_with_la": 3,
        "mobilities_with_transcript": 2,
        "ects_planned": 81.0,
        "ects_attempted": 54.0,
        "ects_obtained": 48.0,
        "credit_success_rate": 0.8889,
        "achievement_rate": 0.8421,
        "component_pass_rate": 0.8889,
    }
    assert rows(body, "faculty", "ects_planned", "ects_obtained") == {
        "DROIT": (30.0, 30.0),
        "IUT-CHERBOURG": (24.0, 0),
        "SCI": (27.0, 18.0),
    }


async def test_survey_satisfaction(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    body = await figure(h, "survey-satisfaction", by="country")
    # 5/5, 3/5 and 8/10 (anonymous, Bologna): mean 4.0 on five, two satisfied
    assert body["total"] == {
        "responses": 3,
        "anonymous_responses": 1,
        "rated": 3,
        "mean_score_5": 4.0,
        "satisfied": 2,
        "satisfied_share": 0.6667,
    }
    assert rows(body, "country", "responses", "mean_score_5") == {"DE": (2, 4.0), "IT": (1, 4.0)}
    science = await figure(h, "survey-satisfaction", faculty="SCI")
    assert (science["total"]["responses"], science["total"]["mean_score_5"]) == (1, 3.0)


async def test_sis_sync_failures(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    body = await figure(h, "sis-sync-failures", by="step")
    # M5 failed twice then succeeded after 5 days; M6 failed on 2026-09-05, open for 85 days
    assert body["total"] == {
        "open": 1,
        "resolved": 1,
        "failed_attempts": 3,
        "oldest_open_days": 85.0,
        "median_resolution_days": 5.0,
    }
    assert rows(body, "step", "open", "resolved") == {"administrative": (1, 0), None: (0, 1)}


async def test_course_offer_is_unmoved_by_mobility_events(make_harness, smile_bus) -> None:
    h = await delivered_shuffled(make_harness, smile_bus)
    assert (await figure(h, "course-offer"))["total"]["courses_published"] == 0
    values = (await h.client.get("/filters", headers=h.headers("analyst"))).json()["values"]
    assert values["country"] == ["DE", "IT", "PL"]
    assert values["faculty"] == ["DROIT", "IUT-CHERBOURG", "SCI"]
    assert values["programme"] == ["bilateral", "erasmus+"]
