from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_catalogue.db import Base


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    #: the file had rejected rows and partial imports were not allowed: nothing was applied
    REJECTED = "rejected"
    FAILED = "failed"


class ImportJob(Base):
    __tablename__ = "import_job"
    __table_args__ = (
        sa.Index("ix_import_job_tenant_created_at", "tenant", "created_at"),
        sa.Index("ix_import_job_status", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    source: Mapped[str] = mapped_column(sa.String(16))
    #: the import's options as the caller gave them (kind, publish, allow_partial, dry_run, …)
    options: Mapped[dict[str, Any]]
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default=JobStatus.QUEUED.value)
    phase: Mapped[str | None] = mapped_column(sa.String(32))
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    #: {"created": n, "updated": n, "unchanged": n, "rejected": n, "encoding": "utf-8", …}
    summary: Mapped[dict[str, Any]]
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[str]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: the claim of the worker running the job (host, process, random part): only it may finish the job
    worker: Mapped[str | None] = mapped_column(sa.String(128))
    #: until when the running job belongs to its worker, which renews it while it works; once it has
    #: passed (the worker died), another worker takes the job over
    lease_expires_at: Mapped[datetime | None]
    #: how many times a worker has taken the job
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")


class ImportPayload(Base):
    """The uploaded file, kept until the job has run, and the per-row report (gzip-compressed JSON)."""

    __tablename__ = "import_payload"

    job_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("import_job.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    report: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
