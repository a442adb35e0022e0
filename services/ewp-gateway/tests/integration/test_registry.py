"""The registry catalogue: conditional refresh, the last good copy kept when the registry is down or
serves garbage, a copy too old refused, institutions announced to the other services once per change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa

from smile_common.events.payloads.ewp import InstitutionUpdated
from smile_ewp_gateway.db import RegistrySnapshot, SyncState, tables
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml


async def _institution_events(world: World) -> list[dict[str, object]]:
    outbox = tables.outbox
    async with world.harness.runtime.database.sessionmaker() as session:
        rows = await session.execute(
            sa.select(outbox.c.envelope).where(outbox.c.event_type == InstitutionUpdated.event_type)
        )
        return [r[0] for r in rows.all()]


async def test_unchanged_catalogue_answers_304_and_announces_nothing_new(world: World) -> None:
    events = await _institution_events(world)
    assert [(e["tenant"], e["data"]["hei_id"]) for e in events] == [(SMILE_HEI, world.partner.hei_id)]
    assert events[0]["data"]["ewp_apis"]["iias"] == "7.0.0"
    assert events[0]["data"]["on_ewp"] is True
    outcome = await world.gateway.registry.refresh()
    assert outcome.status == "not-modified"
    sent = [r for r in world.transport.sent if r.url.host == "registry.test"]
    assert sent[-1].headers.get("if-none-match")
    assert len(await _institution_events(world)) == 1

    world.partner.names = {"en": "University of Warsaw", "pl": "Uniwersytet Warszawski"}
    assert (await world.gateway.registry.refresh()).status == "updated"
    events = await _institution_events(world)
    assert len(events) == 2
    assert events[1]["data"]["names"] == {"en": "University of Warsaw", "pl": "Uniwersytet Warszawski"}


class Down(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("registry down", request=request)


class Garbage(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<catalogue xmlns='urn:wrong'/>")


async def test_the_last_good_copy_is_kept_until_it_is_too_old(world: World) -> None:
    for failure in (Down(), Garbage()):
        world.transport.routes["registry.test"] = failure
        outcome = await world.gateway.registry.refresh()
        assert outcome.status == "failed"
        response = await world.signed("GET", "/echo", params={"echo": "still here"})
        assert response.status_code == 200
    status = await world.gateway.registry.status()
    assert "invalid catalogue" in str(status["last_error"])

    async with world.harness.runtime.database.sessionmaker() as session, session.begin():
        row = await session.get(RegistrySnapshot, world.gateway.registry.url)
        assert row is not None
        row.fetched_at = datetime.now(UTC) - timedelta(days=8)
    world.gateway.registry.invalidate()
    response = await world.signed("GET", "/echo")
    assert response.status_code == 503
    assert "last confirmed" in (assert_valid_xml(response).findtext("{*}developer-message") or "")
    # the office still sees what the last copy says about a partner (marked), but resyncs wait for a trusted one
    office = world.harness.headers("coordinator", hei=SMILE_HEI)
    shown = await world.harness.client.get(f"/partners/{world.partner.hei_id}", headers=office)
    assert shown.status_code == 200, shown.text
    assert shown.json()["hei_id"] == world.partner.hei_id
    assert "last confirmed" in shown.json()["registry_warning"]
    refused = await world.harness.client.post(f"/partners/{world.partner.hei_id}/resync", headers=office)
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_refresh_interval_between_one_minute_and_three_hours(world: World) -> None:
    registry = world.gateway.registry
    assert registry.refresh_interval() == 300  # the fake registry says max-age=300, shorter than 15 min
    registry._max_age = 5
    assert registry.refresh_interval() == 60
    registry._max_age = None
    registry.settings.ewp_registry_refresh_seconds = 10800
    assert registry.refresh_interval() == 10800


async def test_a_partners_own_description_is_read_once_a_day(world: World) -> None:
    from smile_ewp_gateway.notifications.inbound import InboundWorker

    partner = world.partner
    for _ in range(2):
        iia_id = partner.add_iia(SMILE_HEI)
        await partner.call(SMILE_HEI, "iia-cnr", 3, params=[("iia_id", iia_id)])
        while await InboundWorker(world.gateway).round():
            pass
    described = [e["data"] for e in await _institution_events(world) if e["data"]["source"] == "institutions-api"]
    assert len(described) == 1
    assert (described[0]["hei_id"], described[0]["country"], described[0]["city"]) == (partner.hei_id, "NO", "Oslo")
    institutions_calls = [r for r in world.transport.sent if r.url.path.endswith("/institutions")]
    assert len(institutions_calls) == 1
    # the units its institution lists, read from its Organizational Units API (max-ounit-ids at a time)
    units = described[0]["ounits"]
    assert [u["ounit_id"] for u in units] == ["fsat.no", "matnat.uio.no", "hf.uio.no"]
    assert [u["code"] for u in units] == ["FSAT", "MATNAT", "HF"]
    assert units[0]["names"]["en"] == "Faculty of Mathematics, Informatics, and Mechanics"
    assert [r.api for r in partner.received].count("organizational-units") == 1


async def test_a_partner_without_organizational_units_is_described_all_the_same(world: World) -> None:
    from smile_ewp_gateway.notifications.inbound import InboundWorker

    partner = world.partner
    partner.fail_with["organizational-units"] = 500
    iia_id = partner.add_iia(SMILE_HEI)
    await partner.call(SMILE_HEI, "iia-cnr", 3, params=[("iia_id", iia_id)])
    while await InboundWorker(world.gateway).round():
        pass
    [described] = [e["data"] for e in await _institution_events(world) if e["data"]["source"] == "institutions-api"]
    assert described["city"] == "Oslo"
    assert described["ounits"] is None  # not read this time: what agreements knows of them stays


async def test_partners_unknown_to_the_registry_are_404_and_leave_no_trace(world: World) -> None:
    office = world.harness.headers("coordinator", hei=SMILE_HEI)
    shown = await world.harness.client.get(f"/partners/{world.partner.hei_id}", headers=office)
    assert shown.status_code == 200
    assert shown.json()["registry_warning"] is None
    for path in ("/partners/nowhere.example", "/partners/nowhere.example/resync"):
        call = world.harness.client.get if "resync" not in path else world.harness.client.post
        response = await call(path, headers=office)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await world.harness.count(SyncState.__table__) == 0  # the refused resync recorded nothing


async def test_a_registry_never_read_is_a_503_for_the_office(world: World) -> None:
    world.transport.routes["registry.test"] = Down()
    async with world.harness.runtime.database.sessionmaker() as session, session.begin():
        await session.execute(sa.delete(RegistrySnapshot))
    registry = world.gateway.registry
    registry.current, registry._digest, registry._fetched_at = None, None, None
    registry.invalidate()
    office = world.harness.headers("coordinator", hei=SMILE_HEI)
    for response in (
        await world.harness.client.get(f"/partners/{world.partner.hei_id}", headers=office),
        await world.harness.client.post(f"/partners/{world.partner.hei_id}/resync", headers=office),
    ):
        assert response.status_code == 503, response.text
        assert "registry unreachable" in response.json()["detail"]
