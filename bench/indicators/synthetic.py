"""Synthetic but realistic event streams: what several universities' services publish over the years.

Every event is built with the producers' own payload models (so it validates exactly like a real one)
and lands in the indicators' event log as the projector would have written it, stream key included.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from smile_common.events import Envelope, EventPayload, new_envelope
from smile_common.events.payloads import agreements as ag
from smile_common.events.payloads import catalogue as cat
from smile_common.events.payloads import mobility as mob
from smile_common.events.payloads import records as rec
from smile_indicators.facts.registry import PROJECTOR

__all__ = ["events", "log_row"]

TENANTS = ("unicaen.fr", "univ-rennes.fr", "univ-lille.fr")
COUNTRIES = ("DE", "IT", "ES", "PL", "PT", "BE", "NL", "SE", "FI", "CZ", "AT", "IE", "GR", "RO", "HU")
UNITS = [f"FAC-{i}" for i in range(12)]
PROGRAMMES = ("erasmus+", "bilateral", "exchange")
START = datetime(2019, 1, 1, tzinfo=UTC)


class _Clock:
    """Event times move forward a little with each event, so the log looks like years of activity."""

    def __init__(self) -> None:
        self.now = START

    def tick(self, rng: random.Random) -> datetime:
        self.now += timedelta(seconds=rng.randint(1, 600))
        return self.now


def _envelope(payload: EventPayload, tenant: str, when: datetime, source: str) -> Envelope:
    return new_envelope(payload, source=source, tenant=tenant, time=when)


def _reference(tenant: str, rng: random.Random, clock: _Clock) -> Iterator[Envelope]:
    for code in UNITS:
        yield _envelope(
            cat.OrganisationalUnitCreated(
                organisational_unit_id=uuid.uuid4(),
                code=code,
                name={"fr": code},
                kind="faculty",
                city=rng.choice(("Caen", "Cherbourg", "Alençon")),
                changed_by="seed",
                changed_at=clock.now,
                version=1,
            ),
            tenant,
            clock.tick(rng),
            "/smile/catalogue",
        )
    for i in range(300):
        yield _envelope(
            ag.PartnerCreated(
                partner_id=uuid.uuid4(),
                hei_id=f"partner-{i}.example",
                names={"en": f"Partner {i}"},
                name=f"Partner {i}",
                country=COUNTRIES[i % len(COUNTRIES)],
                changed_by="seed",
                changed_at=clock.now,
            ),
            tenant,
            clock.tick(rng),
            "/smile/agreements",
        )


def _iia(tenant: str, partner: str, rng: random.Random, clock: _Clock) -> tuple[uuid.UUID, uuid.UUID, Envelope]:
    iia_id, condition_id = uuid.uuid4(), uuid.uuid4()
    condition = ag.CooperationConditionSummary(
        cooperation_condition_id=condition_id,
        type=ag.CooperationType.STUDENT_STUDIES,
        direction="incoming",
        sending_hei_id=partner,
        receiving_hei_id=tenant,
        first_academic_year="2019/2020",
        last_academic_year="2029/2030",
        mobilities_per_year=rng.randint(1, 6),
        isced_f_codes=["0421"],
        eqf_levels=[6, 7],
    )
    payload = ag.IiaCreated(
        iia_id=iia_id,
        iia_code=f"IIA-{partner}",
        version=1,
        status=ag.IiaStatus.MUTUALLY_APPROVED,
        shared=True,
        in_effect=True,
        local_hei_id=tenant,
        partner_hei_id=partner,
        iia_hash="0" * 64,
        approved_by_us=True,
        approved_by_partner=True,
        conditions=[condition],
        changed_by="seed",
        changed_at=clock.now,
    )
    return iia_id, condition_id, _envelope(payload, tenant, clock.tick(rng), "/smile/agreements")


def _mobility_events(
    tenant: str, iia: tuple[uuid.UUID, uuid.UUID, str], rng: random.Random, clock: _Clock
) -> Iterator[Envelope]:
    """The life of one mobility: nomination, decision, file, learning agreement, stay, enrolment, transcript, survey."""
    iia_id, condition_id, partner = iia
    mobility_id = uuid.uuid4()
    year = rng.randint(2019, 2028)
    arrival = date(year, 9, rng.randint(1, 15))
    base: dict[str, Any] = {
        "mobility_id": mobility_id,
        "source": mob.MobilitySource(rng.choice(("ewp", "ewp", "ewp", "csv", "manual"))),
        "sending_hei_id": partner,
        "receiving_hei_id": tenant,
        "receiving_ounit_code": rng.choice(UNITS),
        "iia_id": iia_id,
        "cooperation_condition_id": condition_id,
        "academic_year": f"{year}/{year + 1}",
        "academic_term": f"{year}/{year + 1}-1/2",
        "planned_arrival_date": arrival,
        "planned_departure_date": arrival + timedelta(days=140),
        "eqf_level": rng.choice((6, 7)),
        "isced_code": rng.choice(("0421", "0311", "0610", "0541")),
        "programme": rng.choice(PROGRAMMES),
        "student": mob.MobilityStudent(given_names="Ana", family_name=f"S{rng.randint(0, 10**6)}", email="a@x.example"),
        "changed_by": "coordinator",
    }

    def event(kind: type[Any], status: str, **extra: Any) -> Envelope:
        when = clock.tick(rng)
        return _envelope(
            kind(**{**base, **extra}, status=mob.MobilityStatus(status), changed_at=when),
            tenant,
            when,
            "/smile/agreements",
        )

    yield event(mob.MobilityNominated, "nominated")
    if rng.random() < 0.1:
        yield event(mob.MobilityRejected, "rejected", reason="full")
        return
    yield event(mob.MobilityAccepted, "accepted")
    la_id, credits = uuid.uuid4(), [Decimal(6)] * rng.randint(4, 6)
    components = [mob.LaComponent(table="studied", title="c", credits=c) for c in credits]
    for kind in (mob.LearningAgreementProposed, mob.LearningAgreementApproved):
        when = clock.tick(rng)
        extra = (
            {"receiving_signature": mob.LaSignature(timestamp=when)} if kind is mob.LearningAgreementApproved else {}
        )
        yield _envelope(
            kind(
                learning_agreement_id=la_id,
                mobility_id=mobility_id,
                sending_hei_id=partner,
                receiving_hei_id=tenant,
                source=rng.choice(("ewp", "ewp", "local")),
                version=1,
                kind="first_version",
                proposal_id="p1",
                changed_by="x",
                changed_at=when,
                components=components,
                **extra,
            ),
            tenant,
            when,
            "/smile/agreements",
        )
    yield event(mob.MobilityArrived, "live", actual_arrival_date=arrival)
    student_id, enrolment_id = uuid.uuid4(), uuid.uuid4()
    if rng.random() < 0.2:
        when = clock.tick(rng)
        yield _envelope(
            rec.EnrolmentFailed(
                enrolment_id=enrolment_id,
                student_id=student_id,
                mobility_id=mobility_id,
                sis="pegase",
                step="courses",
                error="timeout",
                retryable=True,
                will_retry=True,
                attempts=1,
                failed_at=when,
            ),
            tenant,
            when,
            "/smile/records",
        )
    when = clock.tick(rng)
    yield _envelope(
        rec.EnrolmentCompleted(
            enrolment_id=enrolment_id,
            student_id=student_id,
            mobility_id=mobility_id,
            sis="pegase",
            period_code="P",
            programme_path="X",
            course_codes=["C1"],
            attempts=1,
            completed_at=when,
        ),
        tenant,
        when,
        "/smile/records",
    )
    yield event(
        mob.MobilityDeparted,
        "completed",
        actual_arrival_date=arrival,
        actual_departure_date=arrival + timedelta(days=140),
    )
    when = clock.tick(rng)
    attempted = sum(credits, Decimal(0))
    yield _envelope(
        rec.TranscriptIssued(
            transcript_id=uuid.uuid4(),
            version=1,
            mobility_id=mobility_id,
            student_id=student_id,
            sending_hei_id=partner,
            receiving_hei_id=tenant,
            components=[],
            ects_attempted=attempted,
            ects_obtained=attempted - Decimal(6 * rng.randint(0, 1)),
            issued_by="registrar",
            issued_at=when,
        ),
        tenant,
        when,
        "/smile/records",
    )
    if rng.random() < 0.6:
        when = clock.tick(rng)
        yield _envelope(
            rec.SurveyCompleted(
                response_id=uuid.uuid4(),
                questionnaire_id=uuid.uuid4(),
                anonymous=False,
                mobility_id=mobility_id,
                overall_satisfaction=rng.randint(1, 5),
                satisfaction_scale_max=5,
                completed_at=when,
            ),
            tenant,
            when,
            "/smile/records",
        )


def _courses(tenant: str, rng: random.Random, clock: _Clock, count: int) -> Iterator[Envelope]:
    for i in range(count):
        course_id = uuid.uuid4()
        for kind in (cat.CoursePublished, cat.CourseUpdated):
            when = clock.tick(rng)
            yield _envelope(
                kind(
                    course_id=course_id,
                    code=f"C-{i}",
                    title={"en": "c"},
                    ects=5,
                    organisational_unit_code=rng.choice(UNITS),
                    isced_code="0421",
                    eqf_level=6,
                    term_codes=["S1"],
                    changed_by="x",
                    changed_at=when,
                ),
                tenant,
                when,
                "/smile/catalogue",
            )


def events(total: int, *, seed: int = 2026) -> Iterator[Envelope]:
    """About ``total`` events over three universities (stops exactly at ``total``)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    clock = _Clock()
    produced = 0
    per_tenant = total // len(TENANTS)
    for tenant in TENANTS:
        target = produced + per_tenant
        iias = []
        for envelope in _reference(tenant, rng, clock):
            produced += 1
            yield envelope
        for i in range(300):
            iia_id, condition_id, envelope = _iia(tenant, f"partner-{i}.example", rng, clock)
            iias.append((iia_id, condition_id, f"partner-{i}.example"))
            produced += 1
            yield envelope
        for envelope in _courses(tenant, rng, clock, count=max(10, per_tenant // 200)):
            produced += 1
            yield envelope
        while produced < (target if tenant != TENANTS[-1] else total):
            for envelope in _mobility_events(tenant, rng.choice(iias), rng, clock):
                if produced >= (target if tenant != TENANTS[-1] else total):
                    break
                produced += 1
                yield envelope


def log_row(envelope: Envelope) -> tuple[Any, ...]:
    """The event as the projector logs it (same columns as ``indicators.event_log``, without ``seq``)."""
    return (
        envelope.id,
        envelope.type,
        envelope.tenant,
        envelope.source,
        envelope.subject,
        envelope.correlationid,
        envelope.time,
        envelope.data,
        PROJECTOR.stream_key(envelope),
        envelope.time,
    )


LOG_COLUMNS = (
    "event_id",
    "event_type",
    "tenant",
    "source",
    "subject",
    "correlation_id",
    "occurred_at",
    "data",
    "stream_key",
    "recorded_at",
)
