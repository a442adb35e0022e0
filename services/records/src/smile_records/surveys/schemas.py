from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    text: dict[str, str] = Field(min_length=1)


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    text: dict[str, str] = Field(min_length=1)
    kind: Literal["scale", "choice", "yes_no", "text"]
    scale_max: int | None = Field(default=None, ge=2, le=10, description="scale questions: answers 1..scale_max")
    options: list[Option] = Field(default_factory=list)
    required: bool = True
    overall: bool = Field(default=False, description="the overall-satisfaction question (a scale), sent in events")

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.kind == "scale" and self.scale_max is None:
            raise ValueError(f"question {self.id}: a scale needs scale_max")
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError(f"question {self.id}: a choice needs at least two options")
        if self.overall and self.kind != "scale":
            raise ValueError(f"question {self.id}: the overall question must be a scale")
        return self


class QuestionnaireCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: dict[str, str] = Field(min_length=1, examples=[{"fr": "Votre séjour à Caen", "en": "Your stay in Caen"}])
    anonymous: bool = True
    send_after_days: int = Field(default=0, ge=0, le=365)
    questions: list[Question] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _unique(self) -> QuestionnaireCreate:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique")
        if sum(q.overall for q in self.questions) > 1:
            raise ValueError("at most one overall question")
        return self


class QuestionnaireRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: dict[str, str]
    anonymous: bool
    status: str
    send_after_days: int
    questions: list[dict[str, Any]]
    created_at: datetime
    version: int


class Invitation(BaseModel):
    id: uuid.UUID
    questionnaire: QuestionnaireRead
    sent_at: datetime


class Answers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, int | str | bool] = Field(
        description="question id -> answer (scale: 1..max; choice: option id; yes_no: bool; text)"
    )


class Submitted(BaseModel):
    questionnaire_id: uuid.UUID
    submitted_on: date
    anonymous: bool


class QuestionResult(BaseModel):
    id: str
    kind: str
    text: dict[str, str]
    answered: int
    mean: float | None = None
    distribution: dict[str, int] = Field(default_factory=dict)
    texts: list[str] = Field(
        default_factory=list, description="free answers (anonymous: without any reference, sorted)"
    )


class SurveyResults(BaseModel):
    questionnaire_id: uuid.UUID
    anonymous: bool
    invited: int
    responses: int
    response_rate: float | None
    suppressed: bool = Field(description="too few answers in this selection to show them without exposing someone")
    questions: list[QuestionResult]
