from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=4000, strip_whitespace=True)]
StepRole = Literal["student", "referent", "coordinator"]
AllowedType = Literal["application/pdf", "image/jpeg", "image/png"]


class StepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    label: dict[str, str] = Field(min_length=1, examples=[{"fr": "Inscription", "en": "Registration"}])
    role: StepRole


class DocumentTypeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    label: dict[str, str] = Field(min_length=1)
    required: bool = True
    #: the step that cannot be validated until this document is there (accepted, for staff steps)
    needed_before_step: Code | None = None
    content_types: list[AllowedType] = Field(default=["application/pdf"], min_length=1)
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)


class ProgrammeConfig(BaseModel):
    """The steps of a programme's application file, in order, and the documents it requires."""

    model_config = ConfigDict(extra="forbid")

    name: dict[str, str] = Field(min_length=1)
    steps: list[StepConfig] = Field(min_length=1, max_length=30)
    document_types: list[DocumentTypeConfig] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _coherent(self) -> ProgrammeConfig:
        codes = [s.code for s in self.steps]
        if len(set(codes)) != len(codes):
            raise ValueError("step codes must be unique")
        types = [d.code for d in self.document_types]
        if len(set(types)) != len(types):
            raise ValueError("document type codes must be unique")
        for doc in self.document_types:
            if doc.needed_before_step and doc.needed_before_step not in codes:
                raise ValueError(f"document {doc.code}: unknown step {doc.needed_before_step}")
        return self


class ProgrammeRead(ProgrammeConfig):
    code: str
    version: int


class StepState(BaseModel):
    code: str
    label: dict[str, str]
    role: StepRole
    state: Literal["done", "current", "pending"]
    #: documents still missing before this step can be validated
    missing_documents: list[str] = Field(default_factory=list)


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type_code: str
    filename: str
    content_type: str
    size: int
    sha256: str
    status: Literal["submitted", "accepted", "refused"]
    review_reason: str | None
    uploaded_by: str
    uploaded_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


class FileRead(BaseModel):
    id: uuid.UUID
    mobility_id: uuid.UUID
    programme: str
    completed: bool
    current_step: str | None
    steps: list[StepState]
    document_types: list[DocumentTypeConfig]
    documents: list[DocumentRead]
    version: int


class StepDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(default=None, max_length=4000)


class StepDenial(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    #: the step the file goes back to; by default the closest earlier step done by the student
    back_to: Code | None = None


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = None


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(min_length=1, max_length=10000, strip_whitespace=True)]


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    author: str
    author_role: str
    body: str
    created_at: datetime


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    actor_role: str
    kind: str
    step: str | None
    detail: str | None
