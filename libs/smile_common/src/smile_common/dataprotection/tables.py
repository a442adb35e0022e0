"""The data-protection tables every service has in its own schema, and those of the request orchestrator."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from smile_common.audit.table import audit_table
from smile_common.db.base import JSONType, UTCDateTime

__all__ = [
    "DataProtectionTables",
    "RequestTables",
    "data_protection_tables",
    "registered_tables",
    "request_tables",
]

_BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_REGISTERED: dict[int, DataProtectionTables] = {}


@dataclass(frozen=True)
class DataProtectionTables:
    #: append-only audit trail of the service's business objects.
    audit: sa.Table
    #: every run of a scheduled job (retention…) with its report.
    job_run: sa.Table
    #: which worker replica runs a job now (a lease, so that one replica runs it at a time).
    job_lease: sa.Table
    #: this service's answer to each phase of each data-subject request (idempotent replays).
    subject_task: sa.Table


@dataclass(frozen=True)
class RequestTables:
    """The orchestrator's tables (in the one service that hosts the data-subject requests API)."""

    request: sa.Table
    reply: sa.Table


def data_protection_tables(metadata: sa.MetaData) -> DataProtectionTables:
    """Declare the audit, job and data-subject task tables on a service's metadata."""
    job_run = sa.Table(
        "job_run",
        metadata,
        sa.Column("id", _BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("triggered_by", sa.String(255), nullable=False),
        sa.Column("report", JSONType, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    sa.Index("ix_job_run_job_started_at", job_run.c.job, job_run.c.started_at)
    job_lease = sa.Table(
        "job_lease",
        metadata,
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    subject_task = sa.Table(
        "data_subject_task",
        metadata,
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("phase", sa.String(16), primary_key=True),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=False),
        sa.Column("result", JSONType, nullable=True),
    )
    sa.Index("ix_data_subject_task_completed_at", subject_task.c.completed_at)
    tables = DataProtectionTables(
        audit=audit_table(metadata), job_run=job_run, job_lease=job_lease, subject_task=subject_task
    )
    _REGISTERED[id(metadata)] = tables
    return tables


def registered_tables(metadata: sa.MetaData) -> DataProtectionTables | None:
    """The data-protection tables declared on ``metadata``, if any."""
    return _REGISTERED.get(id(metadata))


def request_tables(metadata: sa.MetaData) -> RequestTables:
    """Declare the data-subject request tables (only in the service hosting the orchestrator)."""
    request = sa.Table(
        "data_subject_request",
        metadata,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("phase", sa.String(16), nullable=False),
        #: the identifiers given when the request was filed.
        sa.Column("subject", JSONType, nullable=False),
        #: every identifier of the person found by the services (ESI, e-mails, accounts).
        sa.Column("identity", JSONType, nullable=False),
        sa.Column("participants", JSONType, nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("filed_at", UTCDateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("phase_started_at", UTCDateTime(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=False),
        sa.Column("send_count", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
    )
    sa.Index("ix_data_subject_request_tenant_filed_at", request.c.tenant, request.c.filed_at)
    sa.Index("ix_data_subject_request_status", request.c.status)
    reply = sa.Table(
        "data_subject_reply",
        metadata,
        sa.Column("request_id", sa.Uuid(), primary_key=True),
        sa.Column("phase", sa.String(16), primary_key=True),
        sa.Column("service", sa.String(64), primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("result", JSONType, nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    return RequestTables(request=request, reply=reply)
