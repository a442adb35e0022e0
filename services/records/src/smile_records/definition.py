"""The records service as the shared plumbing sees it."""

from __future__ import annotations

from pathlib import Path

from smile_common.dataprotection import DataProtection
from smile_common.service import ServiceDefinition
from smile_records import privacy, worker
from smile_records.courses import models as _course_models  # noqa: F401
from smile_records.db import data_protection, metadata, outbox, subject_requests, tables
from smile_records.diplomas import endpoints as diplomas
from smile_records.diplomas import models as _diploma_models  # noqa: F401
from smile_records.enrolments import endpoints as enrolments
from smile_records.enrolments import models as _enrolment_models  # noqa: F401  (registers the tables)
from smile_records.grading import endpoints as grading
from smile_records.grading import models as _grading_models  # noqa: F401
from smile_records.results import endpoints as results
from smile_records.results import models as _result_models  # noqa: F401
from smile_records.settings import RecordsSettings
from smile_records.students import endpoints as students
from smile_records.students import models as _student_models  # noqa: F401
from smile_records.surveys import endpoints as surveys
from smile_records.surveys import models as _survey_models  # noqa: F401
from smile_records.transcripts import endpoints as transcripts
from smile_records.transcripts import internal as transcripts_internal
from smile_records.transcripts import models as _transcript_models  # noqa: F401

DEFINITION = ServiceDefinition(
    name="records",
    title="SMILE records",
    description=(
        "Incoming students and their European Student Identifier, SIS enrolment (Pégase, Apogée or files), "
        "results, grade distribution tables and grade conversion, transcripts of records (ELMO and PDF), "
        "diploma supplements and quality surveys. Errors are `application/problem+json` (RFC 9457)."
    ),
    version="0.1.0",
    settings_cls=RecordsSettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=lambda: [
        students.router,
        enrolments.router,
        results.router,
        grading.router,
        transcripts.router,
        diplomas.router,
        surveys.router,
        transcripts_internal.router,
    ],
    # a jury export for grade tables is up to 200,000 grades (about 21 MB of JSON)
    body_limits=lambda settings: {"/grade-tables/compute": max(settings.max_body_bytes, 32 * 1024 * 1024)},
    consumers=worker.consumers,
    background=worker.background,
    # records hosts the suite's data-subject requests (/data-protection/requests); see smile_common.datasubject
    data_protection=DataProtection(
        tables=data_protection,
        requests=subject_requests,
        retention=privacy.retention_rules,
        subjects=privacy.person_data,
    ),
    openapi_tags=[
        {"name": "students", "description": "Incoming students, ESI, INE, contact"},
        {"name": "enrolments", "description": "Synchronisation with the SIS, per mobility"},
        {"name": "results", "description": "Results of the courses of each mobility"},
        {"name": "grading", "description": "Grading scales, grade distribution tables, grade conversion"},
        {"name": "transcripts", "description": "Transcripts of records: ELMO XML and PDF, with versions"},
        {"name": "diploma supplements", "description": "Diploma supplements with the ECTS grading table"},
        {"name": "surveys", "description": "Quality surveys after the mobility"},
        {"name": "internal", "description": "Reads for other SMILE services (service role)"},
    ],
)
