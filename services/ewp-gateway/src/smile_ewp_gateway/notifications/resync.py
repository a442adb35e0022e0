"""Periodic resynchronisation: ``index?modified_since=`` of every partner SMILE exchanges with, so that a
lost notification costs a delay, never data. Also what the "refresh" action of the office triggers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from smile_ewp_gateway.db import InboundChange, SyncState
from smile_ewp_gateway.notifications.inbound import queue_changes
from smile_ewp_gateway.partners.client import PartnerCallError, PartnerClient
from smile_ewp_gateway.xmlkit import ns

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["RESYNCED_APIS", "resync_loop", "resync_partner"]

_log = logging.getLogger("smile.ewp.resync")
#: api (queue name) -> (manifest name, major, index response namespace, id element)
RESYNCED_APIS = {
    "iias": ("iias", 7, ns.api_ns("iias", 7, "index-response"), "iia-id"),
    "omobilities": ("omobilities", 3, ns.api_ns("omobilities", 3, "index-response"), "omobility-id"),
    "omobility-las": ("omobility-las", 1, ns.api_ns("omobility-las", 1, "index-response"), "omobility-id"),
}


async def resync_partner(gateway: Gateway, local: str, partner: str, api: str, *, full: bool = False) -> int:
    """Ask the partner's ``index`` what changed and queue those ids; return how many were queued."""
    name, major, index_ns, element = RESYNCED_APIS[api]
    started = datetime.now(UTC)
    async with gateway.runtime.database.sessionmaker() as session:
        state = await session.get(SyncState, (local, partner, api))
    params: list[tuple[str, str]] = [("sending_hei_id", partner)] if api == "omobility-las" else []
    if state is not None and state.modified_since is not None and not full:
        params.append(("modified_since", state.modified_since.isoformat(timespec="seconds")))
    error: str | None = None
    ids: list[str] = []
    try:
        reply = await PartnerClient(gateway).call(local, partner, name, major, "index", params)
        ids = [e.text for e in reply.root.iter(f"{{{index_ns}}}{element}") if e.text]
        await queue_changes(
            gateway, local_hei_id=local, partner_hei_id=partner, api=api, entity_ids=ids, source="resync"
        )
    except PartnerCallError as exc:
        error = exc.message
    async with gateway.runtime.database.sessionmaker() as session, session.begin():
        state = await session.get(SyncState, (local, partner, api))
        if state is None:
            state = SyncState(local_hei_id=local, partner_hei_id=partner, api=api)
            session.add(state)
        state.last_attempt_at, state.last_error = started, error
        if error is None:
            state.last_success_at = state.modified_since = started
    if error is not None:
        raise PartnerCallError(error, retryable=True)
    return len(ids)


async def _due(gateway: Gateway) -> list[tuple[str, str, str]]:
    horizon = datetime.now(UTC) - timedelta(hours=gateway.settings.ewp_resync_hours)
    async with gateway.runtime.database.sessionmaker() as session:
        known = await session.execute(
            sa.select(InboundChange.local_hei_id, InboundChange.partner_hei_id, InboundChange.api)
            .where(InboundChange.api.in_(list(RESYNCED_APIS)))
            .distinct()
        )
        states = {
            (s.local_hei_id, s.partner_hei_id, s.api): s for s in (await session.scalars(sa.select(SyncState))).all()
        }
    pairs = {(row[0], row[1], row[2]) for row in known.all()} | set(states)
    due = []
    for key in sorted(pairs):
        state = states.get(key)
        if key[2] in RESYNCED_APIS and (
            state is None or state.last_attempt_at is None or state.last_attempt_at < horizon
        ):
            due.append(key)
    return due


async def resync_loop(gateway: Gateway, stop: asyncio.Event) -> None:
    if gateway.settings.ewp_resync_hours <= 0:
        return
    while not stop.is_set():
        for local, partner, api in await _due(gateway):
            if stop.is_set():
                return
            try:
                await resync_partner(gateway, local, partner, api)
            except PartnerCallError as exc:
                _log.warning("resync of %s %s failed: %s", partner, api, exc.message)
            except Exception:
                _log.exception("resync of %s %s crashed", partner, api)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 300)
