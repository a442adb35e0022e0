"""Failed interactions with partners are reported to the EWP Stats Portal's Monitoring API (DIGEST §10.18):
fire-and-forget, never about echo or the monitoring itself, with the partner's message and no personal data."""

from __future__ import annotations

import pytest

from smile_ewp_gateway.discovery.manifest import manifest_url
from smile_ewp_gateway.notifications.resync import resync_partner
from smile_ewp_gateway.partners.client import STATS_PORTAL_HEI, PartnerCallError, PartnerClient
from smile_ewp_gateway.testpartner.node import STATS_PORTAL_APIS, FakePartner
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, eventually, manifest_from, network_registry


async def _with_stats_portal(world: World, *, refuses: bool = False) -> FakePartner:
    portal = FakePartner(
        STATS_PORTAL_HEI,
        "https://stats.test/ewp",
        names={"en": "EWP Stats Portal"},
        transport=world.transport,
        apis=STATS_PORTAL_APIS,
    )
    if refuses:
        portal.fail_with["monitoring"] = 500
    world.transport.add(portal.base_url, portal.app())
    smile = manifest_from(manifest_url(world.gateway.settings, SMILE_HEI), world.transport)
    world.transport.add("https://registry.test", network_registry([world.partner, portal], lambda: [smile]))
    assert (await world.gateway.registry.refresh()).status == "updated"
    return portal


async def test_a_failed_call_to_a_partner_is_reported_to_the_stats_portal(world: World) -> None:
    portal = await _with_stats_portal(world)
    world.partner.fail_with["iias"] = 503
    with pytest.raises(PartnerCallError):
        await resync_partner(world.gateway, SMILE_HEI, world.partner.hei_id, "iias")

    async def reported() -> list[dict[str, list[str]]]:
        return [r.params for r in portal.received if r.api == "monitoring"]

    [report] = await eventually(reported, what="a monitoring report")
    assert report["server_hei_id"] == [world.partner.hei_id]
    assert report["api_name"] == ["iias"]
    assert report["endpoint_name"] == ["index"]
    assert report["http_code"] == ["503"]
    assert report["server_message"] == ["simulated failure"]  # the partner's developer-message
    assert report["client_message"] == ["SMILE: HTTP 503"]

    # a call that works, and one that fails on echo, report nothing
    world.partner.fail_with.clear()
    await resync_partner(world.gateway, SMILE_HEI, world.partner.hei_id, "iias")
    world.partner.fail_with["echo"] = 500
    with pytest.raises(PartnerCallError):
        await PartnerClient(world.gateway).call(SMILE_HEI, world.partner.hei_id, "echo", 2, "url")
    await eventually(lambda: _idle(), what="no report in flight")
    assert len(await reported()) == 1


async def test_a_refused_report_is_neither_retried_nor_reported_again(world: World) -> None:
    portal = await _with_stats_portal(world, refuses=True)
    world.partner.fail_with["iias"] = 500
    with pytest.raises(PartnerCallError):
        await resync_partner(world.gateway, SMILE_HEI, world.partner.hei_id, "iias")
    await eventually(lambda: _idle(), what="the report to finish")
    # one report was attempted (refused by the portal); the refusal did not produce a report about the portal
    assert portal.requests_seen == 1
    sent = [r for r in world.transport.sent if r.url.host == "stats.test"]
    assert len(sent) == 1


async def test_without_a_stats_portal_in_the_registry_nothing_is_sent(world: World) -> None:
    world.partner.fail_with["iias"] = 500
    with pytest.raises(PartnerCallError):
        await resync_partner(world.gateway, SMILE_HEI, world.partner.hei_id, "iias")
    await eventually(lambda: _idle(), what="no report in flight")
    assert [r for r in world.transport.sent if "monitoring" in r.url.path] == []


async def _idle() -> bool:
    from smile_ewp_gateway.partners.client import _REPORTS

    return not _REPORTS
