from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Table = Literal["studied", "recognized", "virtual", "blended"]
ReasonCode = Literal[
    "not-available",
    "language-mismatch",
    "timetable-conflict",
    "substituting-deleted",
    "extending-mobility",
    "adding-virtual-component",
]
Party = Literal["student", "sending", "receiving"]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class ComponentIn(BaseModel):
    """One component. Table A (``studied``, ``virtual``, ``blended`` at the receiving university) names a
    catalogue course by ``course_id`` or ``code``; table B (``recognized``) is the sending HEI's."""

    model_config = ConfigDict(extra="forbid")

    table: Table = "studied"
    course_id: uuid.UUID | None = None
    code: str | None = Field(default=None, max_length=64)
    title: Text | None = None
    term: str | None = Field(default=None, max_length=32, examples=["2026/2027-1/2", "2026-S1"])
    credits: Decimal = Field(gt=0, le=60, decimal_places=2)
    recognition_conditions: str | None = Field(default=None, max_length=2000)
    #: for changes during the mobility
    status: Literal["inserted", "deleted"] | None = None
    reason_code: ReasonCode | None = None
    reason_text: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _named(self) -> ComponentIn:
        if self.table == "recognized" and not self.title:
            raise ValueError("a recognized component needs its title at the sending institution")
        if self.table != "recognized" and not (self.course_id or self.code):
            raise ValueError("a component studied at the receiving university names a catalogue course")
        return self


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    position: str | None = Field(default=None, max_length=255)


class LaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    components: list[ComponentIn] = Field(default_factory=list, max_length=60)
    sending_contact: Contact | None = None
    receiving_contact: Contact | None = None


class VersionCreate(BaseModel):
    """A new draft: the first version again after a rejection, or changes during the mobility."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["first_version", "changes"]
    components: list[ComponentIn] = Field(min_length=1, max_length=60)


class DraftUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    components: list[ComponentIn] = Field(min_length=1, max_length=60)


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: the proposal the signer saw; if it changed since, the answer is 409
    proposal_id: str
    party: Party
    signer_name: str | None = Field(default=None, max_length=255)
    signer_position: str | None = Field(default=None, max_length=255)
    signer_email: str | None = Field(default=None, max_length=320)


class RejectionIn(SignatureIn):
    comment: Annotated[str, StringConstraints(min_length=3, max_length=4000, strip_whitespace=True)]


class VersionRead(BaseModel):
    number: int
    kind: str
    status: str
    proposal_id: str | None
    components: list[dict[str, Any]]
    signatures: dict[str, Any]
    comment: str | None
    rejected_by: str | None
    total_credits: dict[str, Decimal]
    created_at: datetime
    updated_at: datetime


class LaRead(BaseModel):
    id: uuid.UUID
    mobility_id: uuid.UUID
    source: str
    omobility_id: str | None
    sending_hei_id: str
    sending_contact: dict[str, Any]
    receiving_contact: dict[str, Any]
    versions: list[VersionRead]
    #: table A and B in force: the first version with every approved change applied
    current_components: list[dict[str, Any]]
