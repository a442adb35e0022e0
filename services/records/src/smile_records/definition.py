"""The records service as the shared plumbing sees it."""

from __future__ import annotations

from pathlib import Path

from smile_common.service import ServiceDefinition
from smile_records.db import metadata, outbox, tables
from smile_records.settings import RecordsSettings

DEFINITION = ServiceDefinition(
    name="records",
    title="SMILE records",
    description="SMILE records: students, ESI, SIS enrolment, results, transcripts.",
    version="0.1.0",
    settings_cls=RecordsSettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=lambda: [],
)
