from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from smile_catalogue.db import Base, Code, SortKey
from smile_common.audit import Audited

#: PostgreSQL computes the full-text vector itself; head words (code, titles) weigh A, the rest B.
SEARCH_VECTOR_SQL = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_head, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_body, '')), 'B')"
)


#: a course's facet values: a text array on PostgreSQL (GIN-indexed: ``&&`` finds the courses having any of
#: several values), a JSON array on SQLite (read with ``json_each``)
FacetList: sa.types.TypeEngine[Any] = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Course(Audited, Base):
    __tablename__ = "course"
    __table_args__ = (
        sa.UniqueConstraint("tenant", "code"),
        sa.Index("ix_course_tenant_status_code", "tenant", "status", "code"),
        sa.Index("ix_course_tenant_updated_at", "tenant", "updated_at"),
        sa.Index("ix_course_search_vector", "search_vector", postgresql_using="gin"),
        # (SQLite reads the JSON array with json_each: an index on its text would serve no search)
        sa.Index("ix_course_facets", "facets", postgresql_using="gin").ddl_if(dialect="postgresql"),
        # a course of ordinary size (about 3 kB) stays whole in its row (migration c3e5a7b9d1f4)
        {"postgresql_with": {"toast_tuple_target": 4000}},
    )
    # the generated search vector is never read back after a write
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    code: Mapped[str] = mapped_column(Code)
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]]
    learning_outcomes: Mapped[dict[str, str]]
    prerequisites: Mapped[dict[str, str]]
    ects: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    organisational_unit_code: Mapped[str | None] = mapped_column(Code)
    isced_code: Mapped[str | None] = mapped_column(sa.String(4))
    eqf_level: Mapped[int | None]
    #: [{"language": "fr", "cefr_level": "B2" | null}]
    languages: Mapped[list[dict[str, Any]]]
    term_codes: Mapped[list[str]]
    programme_codes: Mapped[list[str]]
    #: contact and personal hours: {"lecture": 24, "tutorial": 12, "practical": 0, "independent": 60}
    hours: Mapped[dict[str, int]]
    teaching_methods: Mapped[list[str]]
    #: [{"method": "written_exam", "weight": 60, "description": {"en": …}}]
    assessment: Mapped[list[dict[str, Any]]]
    #: [{"day": "mon", "start": "08:30", "end": "10:30", "weeks": [36, 37], "term_code": …, "kind": …}]
    schedule: Mapped[list[dict[str, Any]]]
    capacity: Mapped[int | None]
    contacts: Mapped[list[dict[str, Any]]]
    syllabus_url: Mapped[str | None] = mapped_column(sa.String(500))
    open_to_exchange: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=CourseStatus.DRAFT.value)
    status_changed_by: Mapped[str]
    status_changed_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)
    #: where the course came from (manual, csv, json, apogee, pegase) and a digest of its imported content
    source: Mapped[str] = mapped_column(sa.String(16), default="manual")
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # --- derived for search (written by smile_catalogue.courses.index) ---
    title_sort_en: Mapped[str] = mapped_column(SortKey)
    title_sort_fr: Mapped[str] = mapped_column(SortKey)
    search_head: Mapped[str] = mapped_column(sa.Text)
    search_body: Mapped[str] = mapped_column(sa.Text)
    #: every value the course is filtered and counted by, as "dimension:value" (``index.facet_list``): its
    #: terms, languages, unit and parent units, ISCED prefixes… (an array with a GIN index on PostgreSQL)
    facets: Mapped[list[str]] = mapped_column(FacetList, default=list)
    #: rowid of the course in SQLite's FTS5 index (unused on PostgreSQL)
    fts_rowid: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    search_vector: Mapped[Any] = mapped_column(
        postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"),
        sa.Computed(SEARCH_VECTOR_SQL, persisted=True),
        nullable=True,
        deferred=True,
    )
