from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_agreements.db import Base
from smile_common.audit import Audited


class Programme(Audited, Base):
    """A mobility programme's file configuration: ordered steps and required documents."""

    __tablename__ = "programme"
    __table_args__ = (sa.UniqueConstraint("tenant", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[dict[str, str]]
    #: [{code, label{fr,en}, role: student|referent|coordinator}]
    steps: Mapped[list[dict[str, Any]]]
    #: [{code, label{fr,en}, required, needed_before_step, content_types[], max_bytes}]
    document_types: Mapped[list[dict[str, Any]]]
    updated_by: Mapped[str] = mapped_column(sa.String(255))
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class ApplicationFile(Audited, Base):
    """One student's file; the programme's steps are copied in when it opens."""

    __tablename__ = "application_file"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    mobility_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    programme: Mapped[str] = mapped_column(sa.String(64))
    steps: Mapped[list[dict[str, Any]]]
    document_types: Mapped[list[dict[str, Any]]]
    current_index: Mapped[int] = mapped_column(default=0)
    completed: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class FileEntry(Base):
    """The file's history: every move, upload, review and message, with who and when."""

    __tablename__ = "file_entry"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    tenant: Mapped[str] = mapped_column(sa.String(255))
    file_id: Mapped[uuid.UUID] = mapped_column(index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(255))
    actor_role: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(32))
    step: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[str | None] = mapped_column(sa.Text)


class Document(Audited, Base):
    """A document the student uploaded; its bytes live in the document store, not in the database."""

    __tablename__ = "document"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    file_id: Mapped[uuid.UUID] = mapped_column(index=True)
    type_code: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(400))
    status: Mapped[str] = mapped_column(sa.String(16))
    review_reason: Mapped[str | None] = mapped_column(sa.Text)
    uploaded_by: Mapped[str] = mapped_column(sa.String(255))
    uploaded_at: Mapped[datetime]
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(255))
    reviewed_at: Mapped[datetime | None]


class Message(Audited, Base):
    __audit_masked__ = frozenset({"body"})

    __tablename__ = "file_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    file_id: Mapped[uuid.UUID] = mapped_column(index=True)
    author: Mapped[str] = mapped_column(sa.String(255))
    author_role: Mapped[str] = mapped_column(sa.String(32))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
