from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_common.audit import Audited
from smile_records.db import Base


class Questionnaire(Audited, Base):
    __tablename__ = "questionnaire"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    title: Mapped[dict[str, str]]
    #: staff see aggregates only, never who answered what
    anonymous: Mapped[bool]
    #: draft (editable), active (sent to students whose mobility ended), closed
    status: Mapped[str] = mapped_column(sa.String(16))
    #: days after the end of the mobility before the survey is sent
    send_after_days: Mapped[int]
    #: [{id, text{lang}, kind scale|choice|yes_no|text, scale_max?, options?[{id, text{lang}}], required, overall}]
    questions: Mapped[list[dict[str, Any]]]
    created_by: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __audit_type__ = "questionnaire"


class SurveyInvitation(Base):
    """A questionnaire sent to the student of one mobility; answered at most once."""

    __tablename__ = "survey_invitation"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "mobility_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    questionnaire_id: Mapped[uuid.UUID]
    mobility_id: Mapped[uuid.UUID]
    student_id: Mapped[uuid.UUID] = mapped_column(index=True)
    sent_at: Mapped[datetime]
    answered: Mapped[bool] = mapped_column(default=False)


class SurveyResponse(Base):
    """The answers to one invitation. For an anonymous questionnaire it names neither the invitation, the
    student nor the mobility, and keeps only the day it was given."""

    __tablename__ = "survey_response"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    questionnaire_id: Mapped[uuid.UUID] = mapped_column(index=True)
    invitation_id: Mapped[uuid.UUID | None]
    mobility_id: Mapped[uuid.UUID | None]
    sending_hei_id: Mapped[str | None] = mapped_column(sa.String(255))
    academic_year: Mapped[str | None] = mapped_column(sa.String(9))
    answers: Mapped[dict[str, Any]]
    submitted_on: Mapped[date]
