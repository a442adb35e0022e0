"""Who may read the figures, and the part a referent may see (their own faculties only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends

from smile_common.errors import Forbidden
from smile_common.security import Principal, Role, require_roles
from smile_indicators.figures.filters import Filters

__all__ = ["FULL_READERS", "FullReader", "Reader", "scope_to_principal"]

#: roles that see every figure of their university.
FULL_READERS = (Role.ANALYST, Role.COORDINATOR, Role.REGISTRAR, Role.ADMIN)

Reader = Annotated[Principal, Depends(require_roles(*FULL_READERS, Role.REFERENT))]
#: for what cannot be cut to a referent's faculties (the anonymised facts).
FullReader = Annotated[Principal, Depends(require_roles(*FULL_READERS))]


def scope_to_principal(
    principal: Principal, filters: Filters, allowed: tuple[str, ...], faculty_of: Callable[[str], str | None]
) -> Filters:
    """Restrict a referent to the faculties of their ``ounits`` claim (a department's referent: the
    faculty the department belongs to); others see everything."""
    if principal.has_any(*FULL_READERS):
        return filters
    if "faculty" not in allowed or not principal.ounits:
        raise Forbidden("Referents see the figures of their own faculties only; this one has no faculty.")
    own = tuple(sorted({faculty_of(unit) or unit for unit in principal.ounits}))
    if not filters.faculty:
        return replace(filters, faculty=own)
    outside = sorted(set(filters.faculty) - set(own))
    if outside:
        raise Forbidden(f"Referents see their own faculties only; not {', '.join(outside)}.")
    return filters
