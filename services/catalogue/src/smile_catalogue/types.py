"""Field types shared by the catalogue's schemas: codes, multilingual texts, URLs, contacts."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from smile_catalogue.vocab import LANGUAGES

__all__ = [
    "Code",
    "Contact",
    "Email",
    "LanguageCode",
    "MultilingualName",
    "MultilingualText",
    "Name",
    "Phone",
    "Text",
    "Url",
]

_LANG_TAG = re.compile(r"^[a-z]{2}(-[A-Za-z]{2,4})?$")

#: a code as universities write them: letters, digits, and . _ / - inside
Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20000, strip_whitespace=True)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"'{value}' is not an ISO 639-1 language code (such as 'fr' or 'en')")
    return value


LanguageCode = Annotated[str, StringConstraints(to_lower=True, strip_whitespace=True), AfterValidator(_language)]


def _text_languages(value: dict[str, str]) -> dict[str, str]:
    if value.keys() <= LANGUAGES:  # plain two-letter codes: most texts (checked once per text of an import)
        return value
    for tag in value:
        if not _LANG_TAG.match(tag) or tag[:2] not in LANGUAGES:
            raise ValueError(f"'{tag}' is not a language code such as 'fr' or 'en'")
    return value


#: texts by language: ``{"fr": "Droit européen", "en": "European law"}``
MultilingualText = Annotated[dict[str, Text], AfterValidator(_text_languages)]
MultilingualName = Annotated[dict[str, Name], AfterValidator(_text_languages)]

Url = Annotated[
    str,
    StringConstraints(max_length=500, strip_whitespace=True, pattern=r"^https?://[^\s/$.?#][^\s]*$"),
]
Email = Annotated[str, StringConstraints(max_length=320, strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, StringConstraints(max_length=32, strip_whitespace=True, pattern=r"^\+?[0-9 ().-]{4,31}$")]


class Contact(BaseModel):
    """A person or office to ask: at least a name or an email."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = Field(default=None, examples=["+33 2 31 56 55 00"])
    role: MultilingualName = Field(default_factory=dict, examples=[{"fr": "Responsable pédagogique"}])

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not self.name and not self.email:
            raise ValueError("a contact needs a name or an email")
        return self
