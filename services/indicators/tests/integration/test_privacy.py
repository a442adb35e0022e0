"""Personal data: a minimal event log, contact details anonymised when their time is up or on request."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from smile_common.dataprotection.retention import run_retention
from smile_common.datasubject import SubjectIdentity
from smile_common.events import new_envelope
from smile_common.events.payloads import catalogue as cat
from smile_common.events.payloads import mobility as mob
from smile_indicators.db import data_protection
from smile_indicators.facts.mobility import mobility_fact
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.figures import clock
from smile_indicators.privacy import DATA_PROTECTION, IndicatorsParticipant
from smile_indicators.projection.log import event_log
from smile_indicators.projection.rebuild import rebuild

from . import scenario
from .conftest import deliver, figure, headers, started


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: scenario.NOW)


async def _logged(harness: Any, mobility: str) -> list[dict[str, Any]]:
    key = f"{scenario.HEI}|mobility:{scenario.uid(f'mobility:{mobility}')}"
    async with harness.runtime.database.sessionmaker() as session:
        rows = await session.scalars(sa.select(event_log.c.data).where(event_log.c.stream_key == key))
        return list(rows.all())


async def _contacts(harness: Any, mobility: str) -> tuple[Any, ...]:
    c = mobility_fact.c
    async with harness.runtime.database.sessionmaker() as session:
        row = (
            await session.execute(
                sa.select(c.given_names, c.family_name, c.email, c.citizenship).where(
                    c.mobility_id == scenario.uid(f"mobility:{mobility}")
                )
            )
        ).one()
    return tuple(row)


async def test_the_log_keeps_only_what_the_figures_use(make_harness, smile_bus) -> None:
    h = await started(make_harness)
    student = mob.MobilityStudent(
        given_names="Ada",
        family_name="Lovelace",
        email="ada@x.example",
        birth_date=date(2003, 12, 10),
        citizenship="GB",
        gender=2,
        esi="urn:schac:personalUniqueCode:int:esi:x.example:1",
    )
    nominated = mob.MobilityNominated(
        mobility_id=uuid.uuid4(),
        source="ewp",
        status="nominated",
        sending_hei_id="x.example",
        receiving_hei_id=scenario.HEI,
        academic_year="2026/2027",
        student=student,
        changed_by="coordinator-42",
        changed_at=scenario.NOW,
    )
    basket = cat.BasketSubmitted(
        basket_id=uuid.uuid4(),
        submission=1,
        student_subject="ada",
        student_email="ada@x.example",
        student_name="Ada Lovelace",
        term_codes=["S1"],
        total_ects=5,
        submitted_at=scenario.NOW,
        courses=[
            cat.BasketCourse(
                course_id=uuid.uuid4(),
                los_id="CR/1",
                loi_id="CRI/1",
                code="C",
                title={"en": "c"},
                ects=5,
                term_code="S1",
            )
        ],
    )
    events = [new_envelope(p, source="/t", tenant=scenario.HEI, time=scenario.NOW) for p in (nominated, basket)]
    await deliver(h, smile_bus, events)
    async with h.runtime.database.sessionmaker() as session:
        logged = dict((await session.execute(sa.select(event_log.c.event_type, event_log.c.data))).all())
    mobility = logged["agreements.mobility.nominated.v1"]
    assert mobility["student"] == {
        "given_names": "Ada",
        "family_name": "Lovelace",
        "email": "ada@x.example",
        "citizenship": "GB",
    }
    assert mobility["changed_by"] == ""
    assert logged["catalogue.basket.submitted.v1"] == {}  # not used by the indicators: not kept


async def test_contact_details_expire_a_year_after_the_mobility_and_stay_gone(make_harness, smile_bus) -> None:
    h = await started(make_harness)
    await deliver(h, smile_bus, scenario.scenario())
    before = await figure(h, "nominations", by="partner")

    # the worker's daily job may run first (it starts with the worker): either way, the outcome is the same
    await run_retention(h.runtime.database, data_protection, DATA_PROTECTION.rules(h.runtime), now=scenario.NOW)
    # M3 was cancelled on 2025-06-01 and M4 rejected on 2025-04-20: more than a year before today
    audit = data_protection.audit
    async with h.runtime.database.sessionmaker() as session:
        anonymised = (
            await session.scalars(
                sa.select(audit.c.object_id).where(audit.c.action == "anonymised", audit.c.object_type == "mobility")
            )
        ).all()
    assert sorted(anonymised) == sorted(f"{scenario.HEI}/{scenario.uid(f'mobility:{n}')}" for n in ("M3", "M4"))
    for name in ("M3", "M4"):
        assert await _contacts(h, name) == (None, None, None, None)
        assert [d["student"] for d in await _logged(h, name) if "student" in d] == [
            {"given_names": "", "family_name": ""}
        ] * (3 if name == "M3" else 2)
    assert await _contacts(h, "M1") == ("M1", "Student", "m1@student.example", "FR")
    assert await figure(h, "nominations", by="partner") == before

    await rebuild(h.runtime.database, PROJECTOR)  # the log no longer holds them: a rebuild cannot restore them
    assert await _contacts(h, "M3") == (None, None, None, None)
    again = await run_retention(h.runtime.database, data_protection, DATA_PROTECTION.rules(h.runtime), now=scenario.NOW)
    assert next(r for r in again["rules"] if r["kind"] == "mobility-contacts")["affected"] == {}


async def test_a_data_subject_sees_and_erases_their_contact_details(make_harness, smile_bus) -> None:
    h = await started(make_harness)
    await deliver(h, smile_bus, scenario.scenario())
    participant = DATA_PROTECTION.subjects(h.runtime)  # type: ignore[operator]
    assert isinstance(participant, IndicatorsParticipant)
    identity = SubjectIdentity(emails=["m6@student.example"])
    async with h.runtime.database.sessionmaker() as session:
        found = await participant.collect(session, scenario.HEI, identity)
    [section] = [s for s in found["sections"] if s["kind"] == "mobility-contacts"]
    assert section["records"][0]["family_name"] == "Student"
    assert section["records"][0]["email"] == "m6@student.example"

    async with h.runtime.database.sessionmaker() as session, session.begin():
        erased = await participant.erase(session, scenario.HEI, identity, detail="request 1")
    assert erased["sections"][0]["anonymised"] == 1
    assert await _contacts(h, "M6") == (None, None, None, None)
    students = [d["student"] for d in await _logged(h, "M6") if "student" in d]
    assert students == [{"given_names": "", "family_name": ""}] * 3
    roster = (await h.client.get("/roster", headers=headers(h, "coordinator"))).json()
    assert [(s["email"], s["family_name"], s["origin_country"]) for s in roster["students"]] == [(None, None, "PL")]
    assert (await figure(h, "incoming-students"))["total"]["students"] == 5
    await rebuild(h.runtime.database, PROJECTOR)
    assert await _contacts(h, "M6") == (None, None, None, None)
