"""A lost notification costs a delay, never data (index resync); a hostile or broken partner's document
is refused without being expanded, and the failure is visible."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import sqlalchemy as sa

from smile_common.events.payloads.ewp import IiaReceived
from smile_ewp_gateway.db import InboundChange, SyncState, tables
from smile_ewp_gateway.httpsig import SigningKey, response_signature_headers
from smile_ewp_gateway.httpsig.cavage import parse_params
from smile_ewp_gateway.notifications.inbound import InboundWorker
from smile_ewp_gateway.notifications.resync import resync_partner
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World


async def _received_iias(world: World) -> list[str]:
    outbox = tables.outbox
    async with world.harness.runtime.database.sessionmaker() as session:
        rows = await session.execute(sa.select(outbox.c.envelope).where(outbox.c.event_type == IiaReceived.event_type))
        return [r[0]["data"]["partner_iia_id"] for r in rows.all()]


async def test_resync_finds_what_no_notification_announced(world: World) -> None:
    partner = world.partner
    silent = [partner.add_iia(SMILE_HEI), partner.add_iia(SMILE_HEI)]  # created without any CNR
    queued = await resync_partner(world.gateway, SMILE_HEI, partner.hei_id, "iias")
    assert queued == 2
    while await InboundWorker(world.gateway).round():
        pass
    assert sorted(await _received_iias(world)) == sorted(silent)
    async with world.harness.runtime.database.sessionmaker() as session:
        state = await session.get(SyncState, (SMILE_HEI, partner.hei_id, "iias"))
    assert state is not None
    assert state.last_error is None
    assert state.modified_since is not None
    index_calls = [r for r in world.transport.sent if r.url.path.endswith("/iias/index")]
    assert b"modified_since" not in index_calls[-1].content  # the first run asks for everything

    await resync_partner(world.gateway, SMILE_HEI, partner.hei_id, "iias")
    index_calls = [r for r in world.transport.sent if r.url.path.endswith("/iias/index")]
    assert b"modified_since=" in index_calls[-1].content  # later runs ask only what changed since

    office = world.harness.headers("coordinator", hei=SMILE_HEI)
    refreshed = await world.harness.client.post(
        f"/partners/{partner.hei_id}/resync", params={"api": "iias"}, headers=office
    )
    assert refreshed.json()["queued"] == 2


class Hostile(httpx.AsyncBaseTransport):
    """A partner answering its omobilities get (properly signed) with an entity bomb and an external entity."""

    def __init__(self, inner: httpx.AsyncBaseTransport, key: SigningKey) -> None:
        self.inner, self.key = inner, key

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/omobilities/get"):
            return await self.inner.handle_async_request(request)
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY x SYSTEM "file:///etc/passwd">]><omobilities-get-response>&b;&x;</omobilities-get-response>'
        )
        signature = parse_params(request.headers["authorization"].removeprefix("Signature "))["signature"]
        headers = response_signature_headers(
            key=self.key,
            body=bomb,
            content_type="application/xml",
            request_id=request.headers["x-request-id"],
            request_signature=signature,
            now=datetime.now(UTC),
            date_header="date",
        )
        return httpx.Response(
            200, content=bomb, headers=[("content-type", "application/xml"), *headers], request=request
        )


async def test_a_hostile_document_is_refused_and_visible(world: World) -> None:
    partner = world.partner
    world.transport.routes["partner.test"] = Hostile(world.transport.routes["partner.test"], partner.server_key)
    omobility_id = partner.add_nomination(SMILE_HEI)
    response = await partner.call(SMILE_HEI, "omobility-cnr", 2, params=[("omobility_id", omobility_id)])
    assert response.status_code == 200
    while await InboundWorker(world.gateway).round():
        pass
    async with world.harness.runtime.database.sessionmaker() as session:
        row = await session.scalar(sa.select(InboundChange).where(InboundChange.entity_id == omobility_id))
    assert row is not None
    assert row.status == "failed"  # refused at once, never retried
    assert "DOCTYPE" in (row.last_error or "")
    office = world.harness.headers("coordinator", hei=SMILE_HEI)
    traffic = (
        await world.harness.client.get("/traffic", params={"direction": "out", "errors_only": "true"}, headers=office)
    ).json()["items"]
    assert traffic
    assert "root:" not in str(traffic)  # nothing of the external file was read
