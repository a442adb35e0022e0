from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from smile_agreements.iias.content import Contact, EwpIdentifier, HeiId

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$|^und$")
Name = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), Field(examples=["DE"])]


def _check_names(value: dict[str, str] | None) -> dict[str, str] | None:
    for lang in value or {}:
        if not _LANG.match(lang):
            raise ValueError(f"'{lang}' is not a language code such as 'en' or 'fr'")
    return value


class OtherId(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: ``pic``, ``erasmus``, ``erasmus-charter``, ``previous-schac``...
    type: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    value: Annotated[str, StringConstraints(min_length=1, max_length=255)]


class OrganisationalUnit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: the partner's EWP ``ounit-id`` (what IIAs carry), when known
    ounit_id: EwpIdentifier | None = None
    code: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    names: dict[str, Name] = Field(default_factory=dict)

    _langs = field_validator("names")(_check_names)


class _PartnerFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: dict[str, Name] | None = Field(
        default=None, examples=[{"en": "University of Graz", "de": "Universität Graz"}]
    )
    abbreviation: Annotated[str, StringConstraints(max_length=64)] | None = None
    other_ids: list[OtherId] | None = None
    erasmus_code: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = Field(
        default=None, examples=["A  GRAZ01"]
    )
    pic: Annotated[str, StringConstraints(pattern=r"^\d{9}$")] | None = None
    country: Country | None = None
    city: Annotated[str, StringConstraints(max_length=255)] | None = None
    website_url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^https?://")] | None = None
    contacts: list[Contact] | None = Field(default=None, max_length=50)
    ounits: list[OrganisationalUnit] | None = Field(default=None, max_length=500)
    notes: Annotated[str, StringConstraints(max_length=20000)] | None = None

    _langs = field_validator("names")(_check_names)


class PartnerCreate(_PartnerFields):
    """A partner institution. Fields left out are taken from the EWP registry when SMILE knows it."""

    hei_id: HeiId = Field(examples=["uni-graz.at"], description="SCHAC code")

    @field_validator("hei_id", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class PartnerUpdate(_PartnerFields):
    """Fields to change; those left out keep their value. Changed fields are kept from then on, even
    when the EWP registry says otherwise (``overridden``); send ``reset_fields`` to follow it again."""

    version: int = Field(ge=1, description="the version you read (a stale one answers 409)")
    reset_fields: list[str] = Field(default_factory=list)


class PartnerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    hei_id: str
    is_partner: bool
    name: str
    names: dict[str, str]
    abbreviation: str | None
    other_ids: list[OtherId]
    erasmus_code: str | None
    pic: str | None
    country: str | None
    city: str | None
    website_url: str | None
    contacts: list[Contact]
    ounits: list[OrganisationalUnit]
    on_ewp: bool
    ewp_apis: dict[str, str]
    notes: str | None
    source: str
    overridden: list[str]
    registry_observed_at: datetime | None
    updated_at: datetime
    updated_by: str
    version: int


class PartnerPage(BaseModel):
    items: list[PartnerRead]
    next_cursor: str | None = None


class ImportRowReport(BaseModel):
    row: int
    status: str = Field(description="created | updated | unchanged | error")
    key: str | None = None
    id: uuid.UUID | None = None
    messages: list[str] = Field(default_factory=list)


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: int
    report: list[ImportRowReport]
