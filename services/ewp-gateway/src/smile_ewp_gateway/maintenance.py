"""Retention: old traffic and settled queue rows are deleted; archived exchanges are kept longer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from smile_ewp_gateway.db import InboundChange, OutboundCall, Traffic

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["purge", "purge_loop"]

_log = logging.getLogger("smile.ewp.maintenance")
QUEUE_RETENTION = timedelta(days=30)


async def purge(gateway: Gateway, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    s = gateway.settings
    deleted: dict[str, int] = {}
    async with gateway.runtime.database.sessionmaker() as session, session.begin():
        statements = {
            "traffic": sa.delete(Traffic).where(
                Traffic.archived.is_(False), Traffic.started_at < now - timedelta(days=s.ewp_traffic_retention_days)
            ),
            "archived": sa.delete(Traffic).where(
                Traffic.archived.is_(True), Traffic.started_at < now - timedelta(days=s.ewp_archive_retention_days)
            ),
            "inbound": sa.delete(InboundChange).where(
                InboundChange.status != "pending", InboundChange.done_at < now - QUEUE_RETENTION
            ),
            "outbound": sa.delete(OutboundCall).where(
                OutboundCall.status != "pending", OutboundCall.finished_at < now - QUEUE_RETENTION
            ),
        }
        for name, statement in statements.items():
            result = await session.execute(statement)
            deleted[name] = int(getattr(result, "rowcount", 0) or 0)
    return deleted


async def purge_loop(gateway: Gateway, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await purge(gateway)
        except Exception:
            _log.exception("purging the traffic log failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 3600)
