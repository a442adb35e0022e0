"""A scripted year of incoming mobility at unicaen.fr, as the other services' events tell it.

The expected figures in test_scenario.py were computed by hand from this script; the comments give the
facts each figure rests on. "Today" is 2026-11-29 12:00 UTC (the tests fix the clock).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from smile_common.events import Envelope, EventPayload, new_envelope
from smile_common.events.payloads import agreements as ag
from smile_common.events.payloads import catalogue as cat
from smile_common.events.payloads import mobility as mob
from smile_common.events.payloads import records as rec

HEI = "unicaen.fr"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
_NS = uuid.UUID("5f0d8a52-0c65-4a33-9a3c-64f4b1d6a001")


def uid(name: str) -> uuid.UUID:
    """Stable ids, so that a failing test names the same objects every time."""
    return uuid.uuid5(_NS, name)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def envelope(payload: EventPayload, when: datetime, source: str) -> Envelope:
    return new_envelope(payload, source=source, tenant=HEI, time=when)


# --- catalogue: organisational units ----------------------------------------------------------------
def unit(code: str, kind: str, *, parent: str | None = None, city: str | None = None) -> Envelope:
    payload = cat.OrganisationalUnitCreated(
        organisational_unit_id=uid(f"unit:{code}"),
        code=code,
        name={"fr": code.title()},
        kind=kind,
        parent_code=parent,
        city=city,
        changed_by="editor",
        changed_at=at("2025-01-02"),
        version=1,
    )
    return envelope(payload, at("2025-01-02"), "/smile/catalogue")


# --- agreements: partners and IIAs ------------------------------------------------------------------
def partner(hei_id: str, name: str, country: str) -> Envelope:
    payload = ag.PartnerCreated(
        partner_id=uid(f"partner:{hei_id}"),
        hei_id=hei_id,
        names={"en": name},
        name=name,
        country=country,
        changed_by="coordinator",
        changed_at=at("2025-01-03"),
    )
    return envelope(payload, at("2025-01-03"), "/smile/agreements")


def condition(
    name: str,
    direction: str,
    first: str,
    last: str,
    places: int | None,
    *,
    kind: str = "student_studies",
    isced: tuple[str, ...] = (),
    eqf: tuple[int, ...] = (),
) -> ag.CooperationConditionSummary:
    us, them = HEI, "partner.example"
    return ag.CooperationConditionSummary(
        cooperation_condition_id=uid(f"condition:{name}"),
        type=ag.CooperationType(kind),
        direction=direction,  # type: ignore[arg-type]
        sending_hei_id=them if direction == "incoming" else us,
        receiving_hei_id=us if direction == "incoming" else them,
        first_academic_year=first,
        last_academic_year=last,
        mobilities_per_year=places,
        isced_f_codes=list(isced),
        eqf_levels=list(eqf),
    )


def iia(
    code: str,
    partner_hei: str,
    status: str,
    conditions: list[Any],
    *,
    country: str | None = None,
    when: str = "2025-02-01",
    kind: type[Any] = ag.IiaCreated,
    **extra: Any,
) -> Envelope:
    payload = kind(
        iia_id=uid(f"iia:{code}"),
        iia_code=code,
        version=1,
        status=ag.IiaStatus(status),
        shared=status != "draft",
        in_effect=status == "mutually_approved",
        local_hei_id=HEI,
        partner_hei_id=partner_hei,
        partner_country=country,
        iia_hash="0" * 64,
        approved_by_us=False,
        approved_by_partner=False,
        conditions=conditions,
        changed_by="coordinator",
        changed_at=at(when),
        **extra,
    )
    return envelope(payload, at(when), "/smile/agreements")


# --- agreements: mobilities, files, learning agreements ---------------------------------------------
MOBILITY_DEFAULTS: dict[str, Any] = {"academic_year": "2025/2026", "academic_term": "2025/2026-1/2"}


def mobility(kind: type[Any], name: str, when: str, status: str, **fields: Any) -> Envelope:
    values = {**MOBILITY_DEFAULTS, **fields}
    student = mob.MobilityStudent(
        given_names=name, family_name="Student", email=f"{name.lower()}@student.example", citizenship="FR"
    )
    payload = kind(
        mobility_id=uid(f"mobility:{name}"),
        status=mob.MobilityStatus(status),
        receiving_hei_id=HEI,
        student=student,
        changed_by="coordinator",
        changed_at=at(when),
        **values,
    )
    return envelope(payload, at(when), "/smile/agreements")


def programme(name: str, programme_name: str, when: str) -> Envelope:
    payload = mob.FileStepChanged(
        file_id=uid(f"file:{name}"),
        mobility_id=uid(f"mobility:{name}"),
        programme=programme_name,
        action="validated",
        from_step="documents",
        to_step=None,
        completed=True,
        actor_role="coordinator",
        changed_by="coordinator",
        changed_at=at(when),
    )
    return envelope(payload, at(when), "/smile/agreements")


def components(*credits: int) -> list[mob.LaComponent]:
    return [mob.LaComponent(table="studied", title=f"Course {i}", credits=Decimal(c)) for i, c in enumerate(credits)]


def la(
    kind: type[Any],
    name: str,
    version: int,
    when: str,
    *,
    channel: str = "ewp",
    la_kind: str = "first_version",
    credits: tuple[int, ...] = (),
    **extra: Any,
) -> Envelope:
    signature = mob.LaSignature(timestamp=at(when))
    fields: dict[str, Any] = {}
    if kind in (mob.LearningAgreementProposed, mob.LearningAgreementApproved, mob.LearningAgreementChanged):
        fields["components"] = components(*credits)
    if kind is mob.LearningAgreementApproved:
        fields["receiving_signature"] = signature
    if kind is mob.LearningAgreementRejected:
        fields.update(comment="no", rejected_by_party="sending", signature=signature)
    payload = kind(
        learning_agreement_id=uid(f"la:{name}"),
        mobility_id=uid(f"mobility:{name}"),
        sending_hei_id="x.example",
        receiving_hei_id=HEI,
        source=channel,
        version=version,
        kind=la_kind,
        proposal_id=f"{name}-{version}",
        changed_by="coordinator",
        changed_at=at(when),
        **fields,
        **extra,
    )
    return envelope(payload, at(when), "/smile/agreements")


# --- records ----------------------------------------------------------------------------------------
def transcript(name: str, version: int, when: str, attempted: int, obtained: int, passed: list[bool]) -> Envelope:
    parts = [
        rec.TranscriptComponent(course_code=f"C{i}", title="c", credits=Decimal(6), passed=p)
        for i, p in enumerate(passed)
    ]
    payload = rec.TranscriptIssued(
        transcript_id=uid(f"tor:{name}"),
        version=version,
        mobility_id=uid(f"mobility:{name}"),
        student_id=uid(name),
        sending_hei_id="x.example",
        receiving_hei_id=HEI,
        components=parts,
        ects_attempted=Decimal(attempted),
        ects_obtained=Decimal(obtained),
        issued_by="registrar",
        issued_at=at(when),
    )
    return envelope(payload, at(when), "/smile/records")


def survey(
    response: str,
    when: str,
    score: int,
    scale: int,
    *,
    name: str | None = None,
    sending: str | None = None,
    year: str | None = None,
) -> Envelope:
    payload = rec.SurveyCompleted(
        response_id=uid(f"survey:{response}"),
        questionnaire_id=uid("questionnaire"),
        anonymous=name is None,
        mobility_id=uid(f"mobility:{name}") if name else None,
        sending_hei_id=sending,
        academic_year=year,
        overall_satisfaction=score,
        satisfaction_scale_max=scale,
        completed_at=at(when),
    )
    return envelope(payload, at(when), "/smile/records")


def enrolment(name: str, when: str, *, failed: bool, step: str = "courses") -> Envelope:
    common: dict[str, Any] = {
        "enrolment_id": uid(f"enrolment:{name}"),
        "student_id": uid(name),
        "mobility_id": uid(f"mobility:{name}"),
        "sis": "pegase",
        "attempts": 1,
    }
    payload: EventPayload
    if failed:
        payload = rec.EnrolmentFailed(
            **common, step=step, error="SIS said no", retryable=True, will_retry=True, failed_at=at(when)
        )
    else:
        payload = rec.EnrolmentCompleted(
            **common, period_code="2025", programme_path="X", course_codes=[], completed_at=at(when)
        )
    return envelope(payload, at(when), "/smile/records")


def d(day: str) -> date:
    return date.fromisoformat(day)


def scenario() -> list[Envelope]:
    """Every event of the scripted year, in the order the producers committed them."""
    koeln = {
        "sending_hei_id": "uni-koeln.de",
        "iia_id": uid("iia:IIA-KOELN"),
        "cooperation_condition_id": uid("condition:K-in"),
    }
    bologna = {
        "sending_hei_id": "unibo.it",
        "iia_id": uid("iia:IIA-BOLOGNA"),
        "cooperation_condition_id": uid("condition:B-in"),
        "receiving_ounit_code": "IUT-CHERBOURG",
        "isced_code": "0541",
        "eqf_level": 6,
    }
    m1 = {
        **koeln,
        "source": "ewp",
        "receiving_ounit_code": "DROIT-EU",
        "isced_code": "0421",
        "eqf_level": 6,
        "planned_arrival_date": d("2025-09-01"),
        "planned_departure_date": d("2026-01-31"),
    }
    m1_live = {**m1, "actual_arrival_date": d("2025-09-01")}
    m2 = {
        **koeln,
        "source": "manual",
        "receiving_ounit_code": "SCI",
        "isced_code": "0421",
        "eqf_level": 7,
        "planned_arrival_date": d("2025-09-01"),
        "planned_departure_date": d("2026-01-31"),
    }
    m2_live = {**m2, "actual_arrival_date": d("2025-09-03")}
    m3 = {**koeln, "source": "ewp", "receiving_ounit_code": "DROIT", "isced_code": "0421", "eqf_level": 6}
    m5 = {
        **bologna,
        "source": "ewp",
        "planned_arrival_date": d("2025-09-10"),
        "planned_departure_date": d("2026-02-15"),
    }
    m6 = {
        "sending_hei_id": "uw.edu.pl",
        "iia_id": uid("iia:IIA-WARSAW"),
        "cooperation_condition_id": uid("condition:W-in"),
        "source": "ewp",
        "receiving_ounit_code": "SCI",
        "isced_code": "0610",
        "eqf_level": 7,
        "academic_year": "2026/2027",
        "academic_term": "2026/2027-1/2",
        "planned_arrival_date": d("2026-09-01"),
        "planned_departure_date": d("2027-01-31"),
    }
    m7 = {
        **koeln,
        "source": "ewp",
        "receiving_ounit_code": "DROIT",
        "isced_code": "0421",
        "eqf_level": 6,
        "academic_year": "2026/2027",
        "academic_term": "2026/2027-1/2",
    }
    m8 = {
        **bologna,
        "source": "manual",
        "cooperation_condition_id": None,
        "programme": "bilateral",
        "planned_arrival_date": d("2025-09-15"),
        "planned_departure_date": d("2026-06-30"),
    }
    return [
        unit("DROIT", "faculty", city="Caen"),
        unit("DROIT-EU", "department", parent="DROIT"),
        unit("SCI", "faculty", city="Caen"),
        unit("IUT-CHERBOURG", "faculty", city="Cherbourg-en-Cotentin"),
        partner("uni-koeln.de", "Universität zu Köln", "DE"),
        partner("unibo.it", "Università di Bologna", "IT"),
        iia(
            "IIA-KOELN",
            "uni-koeln.de",
            "mutually_approved",
            [
                condition("K-in", "incoming", "2025/2026", "2026/2027", 3, isced=("0421",), eqf=(6, 7)),
                condition("K-out", "outgoing", "2025/2026", "2026/2027", 2),
            ],
            country="DE",
        ),
        iia(
            "IIA-BOLOGNA",
            "unibo.it",
            "shared",
            [condition("B-in", "incoming", "2025/2026", "2025/2026", 1, isced=("05",), eqf=(6,))],
        ),
        iia(
            "IIA-WARSAW",
            "uw.edu.pl",
            "mutually_approved",
            [
                condition("W-in", "incoming", "2026/2027", "2026/2027", None),
                condition("W-staff", "incoming", "2026/2027", "2026/2027", 4, kind="staff_teacher"),
            ],
            country="PL",
        ),
        iia("IIA-DRAFT", "unibo.it", "draft", [condition("D-in", "incoming", "2025/2026", "2025/2026", 5)]),
        # M1: Köln, law (EU department), EWP; 4 days to decide; LA in 10 days; transcript 20 days after the end
        mobility(mob.MobilityNominated, "M1", "2025-04-01", "nominated", **m1),
        mobility(mob.MobilityAccepted, "M1", "2025-04-05", "accepted", **m1),
        programme("M1", "erasmus+", "2025-04-20"),
        la(mob.LearningAgreementProposed, "M1", 1, "2025-05-01", credits=(6, 6, 6, 6, 6)),
        la(mob.LearningAgreementApproved, "M1", 1, "2025-05-11", credits=(6, 6, 6, 6, 6)),
        mobility(mob.MobilityArrived, "M1", "2025-09-01", "live", **m1_live),
        enrolment("M1", "2025-09-05", failed=False),
        mobility(
            mob.MobilityDeparted, "M1", "2026-01-31", "completed", **m1_live, actual_departure_date=d("2026-01-31")
        ),
        transcript("M1", 1, "2026-02-20", 30, 24, [True, True, True, True, False]),
        survey("S1", "2026-02-10", 5, 5, name="M1"),
        transcript("M1", 2, "2026-03-10", 30, 30, [True, True, True, True, True]),
        # M2: Köln, sciences, typed in; LA v1 rejected, v2 approved 20 days after its proposal
        mobility(mob.MobilityNominated, "M2", "2025-04-02", "nominated", **m2),
        mobility(mob.MobilityAccepted, "M2", "2025-04-12", "accepted", **m2),
        programme("M2", "erasmus+", "2025-04-21"),
        la(mob.LearningAgreementProposed, "M2", 1, "2025-05-01", channel="local", credits=(6, 6, 6, 6, 6)),
        la(mob.LearningAgreementRejected, "M2", 1, "2025-05-04", channel="local"),
        la(mob.LearningAgreementProposed, "M2", 2, "2025-05-05", channel="local", credits=(6, 6, 6, 6, 3)),
        la(mob.LearningAgreementApproved, "M2", 2, "2025-05-25", channel="local", credits=(6, 6, 6, 6, 3)),
        mobility(mob.MobilityArrived, "M2", "2025-09-03", "live", **m2_live),
        mobility(
            mob.MobilityDeparted, "M2", "2026-01-20", "completed", **m2_live, actual_departure_date=d("2026-01-20")
        ),
        transcript("M2", 1, "2026-04-30", 24, 18, [True, True, True, False]),
        survey("S2", "2026-02-12", 3, 5, name="M2"),
        # M3: Köln, accepted then cancelled
        mobility(mob.MobilityNominated, "M3", "2025-04-03", "nominated", **m3),
        mobility(mob.MobilityAccepted, "M3", "2025-04-06", "accepted", **m3),
        mobility(mob.MobilityCancelled, "M3", "2025-06-01", "cancelled", **m3),
        # M4: Bologna, from a CSV file, rejected after 10 days
        mobility(mob.MobilityNominated, "M4", "2025-04-10", "nominated", **{**bologna, "source": "csv"}),
        programme("M4", "bilateral", "2025-04-11"),
        mobility(mob.MobilityRejected, "M4", "2025-04-20", "rejected", **{**bologna, "source": "csv"}, reason="full"),
        # M5: Bologna, EWP; LA v1 in 3 days then changes in 30; SIS failed twice then succeeded; no transcript
        mobility(mob.MobilityNominated, "M5", "2025-04-11", "nominated", **m5),
        mobility(mob.MobilityAccepted, "M5", "2025-04-15", "accepted", **m5),
        programme("M5", "bilateral", "2025-04-16"),
        la(mob.LearningAgreementProposed, "M5", 1, "2025-06-01", credits=(6, 6, 6, 6, 6)),
        la(mob.LearningAgreementApproved, "M5", 1, "2025-06-04", credits=(6, 6, 6, 6, 6)),
        mobility(mob.MobilityArrived, "M5", "2025-09-10", "live", **m5, actual_arrival_date=d("2025-09-10")),
        enrolment("M5", "2025-09-15", failed=True),
        enrolment("M5", "2025-09-16", failed=True),
        enrolment("M5", "2025-09-20", failed=False),
        la(mob.LearningAgreementProposed, "M5", 2, "2025-10-01", la_kind="changes", credits=(6, 6, 6, 6)),
        la(mob.LearningAgreementApproved, "M5", 2, "2025-10-31", la_kind="changes", credits=(6, 6, 6, 6)),
        # M6: Warsaw (country only from its IIA), next year, condition without a number of places
        mobility(mob.MobilityNominated, "M6", "2026-04-01", "nominated", **m6),
        mobility(mob.MobilityAccepted, "M6", "2026-04-10", "accepted", **m6),
        programme("M6", "erasmus+", "2026-04-12"),
        la(mob.LearningAgreementProposed, "M6", 1, "2026-06-01", credits=(6, 6, 6, 6, 6)),
        mobility(mob.MobilityArrived, "M6", "2026-09-01", "live", **m6, actual_arrival_date=d("2026-09-01")),
        enrolment("M6", "2026-09-05", failed=True, step="administrative"),
        # M7: Köln, next year, awaiting a decision
        mobility(mob.MobilityNominated, "M7", "2026-03-15", "nominated", **m7),
        # M8: Bologna, typed in without a condition (counted against the IIA's only incoming one), never arrived;
        # its programme comes with the mobility's own events (no application file)
        mobility(mob.MobilityNominated, "M8", "2025-05-01", "nominated", **m8),
        mobility(mob.MobilityAccepted, "M8", "2025-05-03", "accepted", **m8),
        # an anonymous answer: Bologna, 8 out of 10
        survey("S3", "2026-02-01", 8, 10, sending="unibo.it", year="2025/2026"),
    ]
