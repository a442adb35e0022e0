"""Incoming students and nominations, from the mobilities' events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.figures.filters import DIMENSIONS
from smile_indicators.figures.framework import Indicator, Measure, Record
from smile_indicators.figures.population import ACCEPTED_STATUSES, load_dimensions, mobility_records
from smile_indicators.figures.stats import percentile, ratio

__all__ = ["INCOMING_STUDENTS", "NOMINATIONS"]

ALL = tuple(DIMENSIONS)


async def _incoming(session: AsyncSession, tenant: str) -> list[Record]:
    mobilities = await mobility_records(session, tenant, await load_dimensions(session, tenant))
    return [{**m, "date": m["arrival"]} for m in mobilities.values() if m["status"] in ACCEPTED_STATUSES]


def _summarise_incoming(records: list[Record]) -> dict[str, Any]:
    return {
        "students": len(records),
        "arrived": sum(1 for r in records if r["arrived"]),
        "completed": sum(1 for r in records if r["status"] == "completed"),
        "through_ewp": sum(1 for r in records if r["source"] == "ewp"),
    }


INCOMING_STUDENTS = Indicator(
    slug="incoming-students",
    operation="IncomingStudents",
    title="Incoming students",
    description="Students whose mobility was accepted and not cancelled: expected, under way or completed.",
    date_basis="arrival (actual, else planned)",
    filters=ALL,
    measures=(
        Measure("students", "count", "Accepted mobilities, not cancelled or rejected"),
        Measure("arrived", "count", "Of which the arrival was recorded"),
        Measure("completed", "count", "Of which the departure was recorded (mobility completed)"),
        Measure("through_ewp", "count", "Of which the nomination came through EWP"),
    ),
    records=_incoming,
    summarise=_summarise_incoming,
)


async def _nominations(session: AsyncSession, tenant: str) -> list[Record]:
    mobilities = await mobility_records(session, tenant, await load_dimensions(session, tenant))
    return [{**m, "date": m["nominated_on"]} for m in mobilities.values()]


def _decision_days(record: Record) -> float | None:
    decided = min((d for d in (record["accepted_at"], record["rejected_at"]) if d is not None), default=None)
    if decided is None or record["nominated_at"] is None:
        return None
    days: float = (decided - record["nominated_at"]).total_seconds() / 86400
    return days


def _summarise_nominations(records: list[Record]) -> dict[str, Any]:
    accepted = sum(1 for r in records if r["accepted_at"] is not None)
    rejected = sum(1 for r in records if r["status"] == "rejected")
    delays = [d for d in map(_decision_days, records) if d is not None]
    return {
        "received": len(records),
        "received_through_ewp": sum(1 for r in records if r["source"] == "ewp"),
        "accepted": accepted,
        "rejected": rejected,
        "pending": sum(1 for r in records if r["status"] == "nominated"),
        "cancelled": sum(1 for r in records if r["status"] == "cancelled"),
        "acceptance_rate": ratio(accepted, accepted + rejected),
        "median_decision_days": percentile(delays, 50),
    }


NOMINATIONS = Indicator(
    slug="nominations",
    operation="Nominations",
    title="Nominations received, accepted and rejected",
    description="Nominations of incoming students by partners (through EWP, a file or typed in) and the "
    "university's decisions on them.",
    date_basis="nomination received",
    filters=ALL,
    measures=(
        Measure("received", "count", "Nominations received"),
        Measure("received_through_ewp", "count", "Of which received through EWP"),
        Measure("accepted", "count", "Nominations accepted (even if the mobility was cancelled later)"),
        Measure("rejected", "count", "Nominations rejected"),
        Measure("pending", "count", "Nominations awaiting a decision"),
        Measure("cancelled", "count", "Mobilities cancelled (before or after a decision)"),
        Measure("acceptance_rate", "rate", "accepted / (accepted + rejected)"),
        Measure("median_decision_days", "days", "Median days from nomination to the first decision"),
    ),
    records=_nominations,
    summarise=_summarise_nominations,
)
