"""SMILE's CNRs leave from a persistent queue: batched per partner, retried with backoff on 5xx, never
retried on 4xx, expired after the configured time, visible and retryable by the office."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs
from uuid import uuid4

import sqlalchemy as sa

from smile_common.events import new_envelope
from smile_common.events.payloads import mobility as mob
from smile_ewp_gateway.db import OutboundCall
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, eventually


def arrived(omobility_id: str, sending: str) -> mob.MobilityArrived:
    return mob.MobilityArrived(
        mobility_id=uuid4(),
        omobility_id=omobility_id,
        source=mob.MobilitySource.EWP,
        status=mob.MobilityStatus.LIVE,
        sending_hei_id=sending,
        receiving_hei_id=SMILE_HEI,
        academic_year="2026/2027",
        student=mob.MobilityStudent(given_names="Ivan", family_name="Sidorov"),
        changed_by="office-1",
        changed_at=datetime.now(UTC),
    )


async def _rows(world: World) -> list[OutboundCall]:
    async with world.harness.runtime.database.sessionmaker() as session:
        return list((await session.scalars(sa.select(OutboundCall).order_by(OutboundCall.id))).all())


async def test_arrivals_are_notified_in_one_batch_and_retried_after_a_5xx(world: World) -> None:
    partner = world.partner
    partner.fail_with["imobility-cnr"] = 503
    # a batching window (the world's default is none): notifications close in time leave in one call. The
    # three events are published together; 3 s leaves room for a loaded machine to consume them one by one.
    world.gateway.settings.ewp_cnr_batch_seconds = 3.0
    await world.harness.start_worker()
    envelopes = [
        new_envelope(arrived(f"m-{i}", partner.hei_id), source="/smile/agreements", tenant=SMILE_HEI) for i in range(3)
    ]
    await world.harness.runtime.bus.publish(envelopes)

    async def retried() -> bool:
        rows = await _rows(world)
        return len(rows) == 3 and all(r.attempts >= 1 and r.last_status == 503 for r in rows)

    await eventually(retried, what="a first refused attempt")
    assert {r.status for r in await _rows(world)} == {"pending"}
    partner.fail_with.clear()

    async def sent() -> bool:
        return {r.status for r in await _rows(world)} == {"sent"}

    await eventually(sent, what="delivery after the partner recovered")
    # the first attempt carried the three ids in one request (batched per partner)
    first = next(r for r in world.transport.sent if r.url.path.endswith("/imobility-cnr"))
    assert sorted(parse_qs(first.content.decode())["omobility_id"]) == ["m-0", "m-1", "m-2"]
    # and after the retries each id reached the partner exactly once (retries may be due at different moments)
    delivered = [i for r in partner.received if r.api == "imobility-cnr" for i in r.params["omobility_id"]]
    assert sorted(delivered) == ["m-0", "m-1", "m-2"]


async def test_a_4xx_is_not_retried_an_outage_expires_and_the_office_can_retry(world: World) -> None:
    partner = world.partner
    partner.fail_with["imobility-cnr"] = 400
    await world.harness.start_worker()
    await world.harness.runtime.bus.publish(
        [new_envelope(arrived("m-400", partner.hei_id), source="/smile/agreements", tenant=SMILE_HEI)]
    )

    async def failed() -> OutboundCall | None:
        rows = await _rows(world)
        return rows[0] if rows and rows[0].status == "failed" else None

    row = await eventually(failed, what="the refused notification")
    assert (row.attempts, row.last_status) == (1, 400)
    seen = partner.requests_seen
    office = world.harness.headers("coordinator", hei=SMILE_HEI)
    listed = (await world.harness.client.get("/notifications/outbound", headers=office)).json()
    assert listed["counts"] == {"failed": 1}
    assert listed["items"][0]["last_error"].startswith("HTTP 400")

    # a partner that keeps answering 503 until the notification expires
    partner.fail_with["imobility-cnr"] = 503
    retry = await world.harness.client.post(f"/notifications/outbound/{row.id}/retry", headers=office)
    assert retry.status_code == 200
    async with world.harness.runtime.database.sessionmaker() as session, session.begin():
        stored = await session.get(OutboundCall, row.id)
        assert stored is not None
        stored.expires_at = datetime.now(UTC) + timedelta(milliseconds=300)

    async def expired() -> bool:
        return (await _rows(world))[0].status == "expired"

    await eventually(expired, what="the expiry")
    assert partner.requests_seen > seen
    conflict = await world.harness.client.post("/notifications/outbound/999999/retry", headers=office)
    assert conflict.status_code == 404

    partner.fail_with.clear()
    assert (
        await world.harness.client.post(f"/notifications/outbound/{row.id}/retry", headers=office)
    ).status_code == 200

    async def delivered() -> bool:
        return (await _rows(world))[0].status == "sent"

    await eventually(delivered, what="the delivery after the office retried")
    other_tenant = world.harness.headers("coordinator", hei="other.example")
    hidden = await world.harness.client.post(f"/notifications/outbound/{row.id}/retry", headers=other_tenant)
    assert hidden.status_code == 404
    dpo = world.harness.headers("dpo", hei=SMILE_HEI, sub="dpo-1")
    trail = await world.harness.client.get("/data-protection/audit", params={"action": "retried"}, headers=dpo)
    assert [(e["object_id"], e["changes"]["status"]["before"]) for e in trail.json()["items"]] == [
        (str(row.id), "expired"),
        (str(row.id), "failed"),
    ]  # newest first: the office retried twice
