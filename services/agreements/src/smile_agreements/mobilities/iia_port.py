"""What the nominations need to know about IIAs, read in-process from the IIA context of this service.

The IIA context (issue 4) owns the tables; it registers a :class:`IiaDirectory` with
:func:`register_directory`. Until one is registered, IIA checks answer "unknown" and IIA references are
stored as given (and re-checked on every read of the checks).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["ConditionView", "IiaDirectory", "LanguageSkill", "directory", "register_directory"]


@dataclass(frozen=True)
class LanguageSkill:
    language: str
    cefr_level: str | None = None
    isced_code: str | None = None


@dataclass(frozen=True)
class ConditionView:
    """One student-studies cooperation condition of an IIA, as nominations see it."""

    iia_id: uuid.UUID
    condition_id: uuid.UUID
    partner_hei_id: str
    sending_hei_id: str
    receiving_hei_id: str
    first_academic_year: str
    last_academic_year: str
    ewp_iia_id: str | None = None
    receiving_ounit_id: str | None = None
    mobilities_per_year: int | None = None
    eqf_levels: tuple[int, ...] = ()
    isced_codes: tuple[str, ...] = ()
    languages: tuple[LanguageSkill, ...] = field(default_factory=tuple)
    approved: bool = True


class IiaDirectory(Protocol):
    async def student_conditions(
        self,
        session: AsyncSession,
        tenant: str,
        *,
        iia_id: uuid.UUID | None = None,
        ewp_iia_id: str | None = None,
        partner_hei_id: str | None = None,
    ) -> list[ConditionView]: ...


_registered: list[IiaDirectory] = []


def register_directory(found: IiaDirectory) -> None:
    """Called by the IIA context at import time."""
    _registered[:] = [found]


def directory() -> IiaDirectory | None:
    return _registered[0] if _registered else None
