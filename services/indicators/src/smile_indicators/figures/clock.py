"""The service's clock: figures that depend on today (overdue transcripts, open failures) read it here."""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = ["now", "today"]


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()
