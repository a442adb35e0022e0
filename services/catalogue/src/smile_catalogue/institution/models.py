from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_catalogue.db import Base, Code
from smile_common.audit import Audited


class OrganisationalUnitKind(StrEnum):
    FACULTY = "faculty"
    DEPARTMENT = "department"
    INSTITUTE = "institute"
    SCHOOL = "school"
    SERVICE = "service"
    OTHER = "other"


class Institution(Audited, Base):
    """The university a tenant is (one row per tenant), with its basket rules."""

    __tablename__ = "institution"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    name: Mapped[dict[str, str]]
    abbreviation: Mapped[str | None] = mapped_column(sa.String(64))
    erasmus_code: Mapped[str | None] = mapped_column(sa.String(32))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    website_url: Mapped[str | None] = mapped_column(sa.String(500))
    logo_url: Mapped[str | None] = mapped_column(sa.String(500))
    factsheet_url: Mapped[str | None] = mapped_column(sa.String(500))
    catalogue_url: Mapped[str | None] = mapped_column(sa.String(500))
    street_address: Mapped[dict[str, Any]]
    contacts: Mapped[list[dict[str, Any]]]
    basket_policy: Mapped[dict[str, Any]]
    updated_by: Mapped[str]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class CatalogueRevision(Base):
    """A counter per university that grows with every change of what the public sees (ETags, caches)."""

    __tablename__ = "catalogue_revision"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    revision: Mapped[int] = mapped_column(sa.BigInteger)
    changed_at: Mapped[datetime]


class OrganisationalUnit(Audited, Base):
    __tablename__ = "organisational_unit"
    __table_args__ = (sa.UniqueConstraint("tenant", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    code: Mapped[str] = mapped_column(Code)
    name: Mapped[dict[str, str]]
    abbreviation: Mapped[str | None] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("organisational_unit.id"))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    website_url: Mapped[str | None] = mapped_column(sa.String(500))
    contacts: Mapped[list[dict[str, Any]]]
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)


class AcademicYear(Base):
    __tablename__ = "academic_year"
    __table_args__ = (sa.UniqueConstraint("tenant", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    #: ``2026-2027``; its EWP id is ``2026/2027``
    code: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[dict[str, str]]
    start_date: Mapped[date]
    end_date: Mapped[date]
    updated_at: Mapped[datetime]


class Term(Base):
    __tablename__ = "term"
    __table_args__ = (sa.UniqueConstraint("tenant", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    code: Mapped[str] = mapped_column(Code)
    academic_year_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("academic_year.id"))
    #: position in the year and number of terms of the year: semester 1 of 2 is EWP ``…-1/2``
    ordinal: Mapped[int]
    terms_in_year: Mapped[int]
    name: Mapped[dict[str, str]]
    start_date: Mapped[date]
    end_date: Mapped[date]
    updated_at: Mapped[datetime]


class Programme(Base):
    __tablename__ = "programme"
    __table_args__ = (sa.UniqueConstraint("tenant", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    code: Mapped[str] = mapped_column(Code)
    name: Mapped[dict[str, str]]
    organisational_unit_code: Mapped[str | None] = mapped_column(Code)
    eqf_level: Mapped[int | None]
    isced_code: Mapped[str | None] = mapped_column(sa.String(4))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)
