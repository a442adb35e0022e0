"""The anonymised facts behind the indicators, one dataset per fact, for BI tools.

No names, e-mails, citizenships or SMILE ids leave: people are replaced by a keyed pseudonym
(``mobility_key``: the same for a mobility in every dataset and every export made with the same key, so
that BI tools can join datasets), dates are cut to the month, and durations are given in days.
Rows are read from the database in chunks and written as they come.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.exports.facts_sql import (
    course_rows,
    enrolment_rows,
    learning_agreement_rows,
    mobility_rows,
    survey_rows,
    transcript_rows,
)
from smile_indicators.figures.population import Dimensions

__all__ = ["DATASETS", "Dataset", "Pseudonyms", "month", "stream_rows"]

_FETCH = 1000


class Pseudonyms:
    """Keyed pseudonyms: HMAC-SHA256 of the tenant and the id, 16 hexadecimal characters."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, tenant: str, value: Any) -> str | None:
        if value is None:
            return None
        return hmac.new(self._key, f"{tenant}:{value}".encode(), hashlib.sha256).hexdigest()[:16]


def month(value: date | datetime | None) -> str | None:
    return f"{value.year:04d}-{value.month:02d}" if value else None


def days(start: date | datetime | None, end: date | datetime | None) -> float | None:
    if start is None or end is None:
        return None
    if isinstance(start, datetime) and isinstance(end, datetime):
        return round((end - start).total_seconds() / 86400, 2)
    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    return float((last - first).days)


Row = dict[str, Any]
Shaper = Callable[[Any, str, Pseudonyms, Dimensions], Row]


@dataclass(frozen=True)
class Dataset:
    name: str
    operation: str
    title: str
    description: str
    #: column name -> meaning (the order is the export's)
    columns: dict[str, str]
    query: Callable[[str], sa.Select[Any]]
    shape: Shaper


async def stream_rows(
    session: AsyncSession, dataset: Dataset, tenant: str, pseudonyms: Pseudonyms, dims: Dimensions
) -> AsyncIterator[list[Any]]:
    statement = dataset.query(tenant).execution_options(yield_per=_FETCH)
    names = list(dataset.columns)
    result = await session.stream(statement)
    async for rows in result.partitions(_FETCH):
        for row in rows:
            shaped = dataset.shape(row, tenant, pseudonyms, dims)
            yield [shaped[name] for name in names]


_DIMENSION_COLUMNS = {
    "academic_year": "Receiving academic year",
    "term": "EWP academic term id",
    "partner": "SCHAC code of the sending institution",
    "country": "Country of the sending institution (ISO 3166-1 alpha-2)",
    "faculty": "Receiving faculty (organisational unit code)",
    "organisational_unit": "Receiving organisational unit as given on the mobility",
    "isced": "ISCED-F field of education",
    "eqf": "EQF level",
    "programme": "Mobility programme",
}


def _mobility(row: Any, tenant: str, pseudonyms: Pseudonyms, dims: Dimensions) -> Row:
    arrival = row.actual_arrival_on or row.planned_arrival_on
    departure = row.actual_departure_on or row.planned_departure_on
    decided = min((d for d in (row.accepted_at, row.rejected_at) if d is not None), default=None)
    return {
        "mobility_key": pseudonyms(tenant, row.mobility_id),
        "academic_year": row.academic_year,
        "term": row.academic_term,
        "partner": row.sending_hei_id,
        "country": dims.country_of(row.sending_hei_id),
        "faculty": dims.faculty_of(row.receiving_ounit_code),
        "organisational_unit": row.receiving_ounit_code,
        "isced": row.isced_code,
        "eqf": row.eqf_level,
        "programme": row.event_programme or row.programme,
        "channel": row.source,
        "status": row.status,
        "nominated_month": month(row.first_seen_at),
        "decision_days": days(row.first_seen_at, decided),
        "arrival_month": month(arrival),
        "departure_month": month(departure),
        "duration_days": days(arrival, departure),
        "arrival_recorded": row.actual_arrival_on is not None,
        "departure_recorded": row.actual_departure_on is not None,
        "ects_planned": row.ects_planned,
        "ects_attempted": row.ects_attempted,
        "ects_obtained": row.ects_obtained,
        "transcript_days_after_end": days(departure, row.first_issued_at.date() if row.first_issued_at else None),
    }


MOBILITIES = Dataset(
    name="mobilities",
    operation="MobilityFacts",
    title="Mobilities",
    description="One row per incoming mobility (every status), pseudonymised.",
    columns={
        "mobility_key": "Pseudonym of the mobility (joins the other datasets)",
        **_DIMENSION_COLUMNS,
        "channel": "How the nomination came: ewp, csv or manual",
        "status": "nominated, accepted, rejected, cancelled, live or completed",
        "nominated_month": "Month the nomination was received (YYYY-MM)",
        "decision_days": "Days from nomination to the first decision",
        "arrival_month": "Month of arrival (actual, else planned)",
        "departure_month": "Month of departure (actual, else planned)",
        "duration_days": "Days from arrival to departure",
        "arrival_recorded": "true once the arrival was recorded",
        "departure_recorded": "true once the departure was recorded",
        "ects_planned": "ECTS of table A in the latest approved learning agreement",
        "ects_attempted": "ECTS attempted on the transcripts (latest versions)",
        "ects_obtained": "ECTS obtained on the transcripts (latest versions)",
        "transcript_days_after_end": "Days from the end of the mobility to the first transcript",
    },
    query=mobility_rows,
    shape=_mobility,
)


def _learning_agreement(row: Any, tenant: str, pseudonyms: Pseudonyms, dims: Dimensions) -> Row:
    return {
        "mobility_key": pseudonyms(tenant, row.mobility_id),
        "learning_agreement_key": pseudonyms(tenant, row.learning_agreement_id),
        "version": row.version,
        "kind": row.kind,
        "channel": row.source,
        "status": row.status,
        "proposed_month": month(row.first_proposed_at),
        "approved_month": month(row.approved_at),
        "turnaround_days": days(row.first_proposed_at, row.approved_at),
        "ects_studied": row.ects_studied,
    }


LEARNING_AGREEMENTS = Dataset(
    name="learning-agreements",
    operation="LearningAgreementFacts",
    title="Learning agreement versions",
    description="One row per version of each learning agreement.",
    columns={
        "mobility_key": "Pseudonym of the mobility",
        "learning_agreement_key": "Pseudonym of the learning agreement",
        "version": "Version number",
        "kind": "first_version or changes",
        "channel": "ewp or local",
        "status": "proposed, approved or rejected",
        "proposed_month": "Month of the first proposal of this version",
        "approved_month": "Month of its approval",
        "turnaround_days": "Days from first proposal to approval",
        "ects_studied": "ECTS of table A once approved",
    },
    query=learning_agreement_rows,
    shape=_learning_agreement,
)


def _transcript(row: Any, tenant: str, pseudonyms: Pseudonyms, dims: Dimensions) -> Row:
    return {
        "mobility_key": pseudonyms(tenant, row.mobility_id),
        "transcript_key": pseudonyms(tenant, row.transcript_id),
        "version": row.version,
        "first_issued_month": month(row.first_issued_at),
        "ects_attempted": row.ects_attempted,
        "ects_obtained": row.ects_obtained,
        "components": row.components,
        "components_passed": row.components_passed,
    }


TRANSCRIPTS = Dataset(
    name="transcripts",
    operation="TranscriptFacts",
    title="Transcripts of records",
    description="One row per transcript, with the credits of its latest version.",
    columns={
        "mobility_key": "Pseudonym of the mobility",
        "transcript_key": "Pseudonym of the transcript",
        "version": "Latest version (corrections increase it)",
        "first_issued_month": "Month of the first issue",
        "ects_attempted": "ECTS attempted",
        "ects_obtained": "ECTS obtained",
        "components": "Components on the transcript",
        "components_passed": "Components passed",
    },
    query=transcript_rows,
    shape=_transcript,
)


def _survey(row: Any, tenant: str, pseudonyms: Pseudonyms, dims: Dimensions) -> Row:
    return {
        "mobility_key": pseudonyms(tenant, row.mobility_id),
        "anonymous": row.anonymous,
        "partner": row.sending_hei_id,
        "country": dims.country_of(row.sending_hei_id),
        "academic_year": row.academic_year,
        "overall_satisfaction": row.overall_satisfaction,
        "satisfaction_scale_max": row.satisfaction_scale_max,
        "answered_month": month(row.completed_at),
    }


SURVEYS = Dataset(
    name="surveys",
    operation="SurveyFacts",
    title="Survey answers",
    description="One row per answer to a quality survey (anonymous answers have no mobility_key).",
    columns={
        "mobility_key": "Pseudonym of the mobility (empty for anonymous answers)",
        "anonymous": "true for an anonymous questionnaire",
        "partner": "SCHAC code of the sending institution",
        "country": "Country of the sending institution",
        "academic_year": "Academic year",
        "overall_satisfaction": "Overall satisfaction given",
        "satisfaction_scale_max": "Maximum of its scale",
        "answered_month": "Month of the answer",
    },
    query=survey_rows,
    shape=_survey,
)


def _enrolment(row: Any, tenant: str, pseudonyms: Pseudonyms, dims: Dimensions) -> Row:
    return {
        "mobility_key": pseudonyms(tenant, row.mobility_id),
        "sis": row.sis,
        "status": row.status,
        "failed_step": row.step,
        "failed_attempts": row.failures,
        "first_failed_month": month(row.first_failed_at),
        "resolution_days": days(row.first_failed_at, row.status_at) if row.status == "completed" else None,
    }


SIS_ENROLMENTS = Dataset(
    name="sis-enrolments",
    operation="SisEnrolmentFacts",
    title="SIS enrolment synchronisations",
    description="One row per enrolment synchronised with the student information system.",
    columns={
        "mobility_key": "Pseudonym of the mobility",
        "sis": "SIS kind (pegase, files...)",
        "status": "completed, or failed while the latest attempt failed",
        "failed_step": "Step of the latest failure, while open",
        "failed_attempts": "Failed attempts",
        "first_failed_month": "Month of the first failure",
        "resolution_days": "Days from the first failure to success",
    },
    query=enrolment_rows,
    shape=_enrolment,
)


def _course(row: Any, tenant: str, pseudonyms: Pseudonyms, dims: Dimensions) -> Row:
    return {
        "course_code": row.code,
        "status": row.status,
        "ects": row.ects,
        "faculty": dims.faculty_of(row.organisational_unit_code),
        "organisational_unit": row.organisational_unit_code,
        "isced": row.isced_code,
        "eqf": row.eqf_level,
        "terms": list(row.term_codes or []),
        "first_published_month": month(row.first_published_at),
    }


COURSES = Dataset(
    name="courses",
    operation="CourseFacts",
    title="Courses offered to exchange students",
    description="One row per course ever published for exchange students.",
    columns={
        "course_code": "The course's code",
        "status": "published or withdrawn",
        "ects": "ECTS credits",
        "faculty": "Faculty of the course",
        "organisational_unit": "Organisational unit of the course",
        "isced": "ISCED-F field",
        "eqf": "EQF level",
        "terms": "Terms, joined with a vertical bar",
        "first_published_month": "Month of the first publication",
    },
    query=course_rows,
    shape=_course,
)

DATASETS = [MOBILITIES, LEARNING_AGREEMENTS, TRANSCRIPTS, SURVEYS, SIS_ENROLMENTS, COURSES]
