"""What a service declares about the personal data it holds, and what the shared plumbing builds from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter

from smile_common.dataprotection.audit_api import audit_router
from smile_common.dataprotection.tables import DataProtectionTables, registered_tables

if TYPE_CHECKING:
    from smile_common.service import ServiceDefinition

__all__ = ["DataProtection", "protection_of"]


@dataclass(frozen=True)
class DataProtection:
    """A service's personal-data declarations (set as ``ServiceDefinition.data_protection``)."""

    tables: DataProtectionTables

    def routers(self) -> Sequence[APIRouter]:
        return [audit_router(self.tables.audit)]


def protection_of(definition: ServiceDefinition) -> DataProtection | None:
    """The service's declarations, or the defaults when it only declared the tables."""
    declared = definition.data_protection
    if declared is not None:
        return declared
    tables = registered_tables(definition.metadata)
    return DataProtection(tables=tables) if tables is not None else None
