"""The traffic log for the office and IT staff: every exchange searchable, bodies of archived ones kept."""

from __future__ import annotations

from smile_ewp_gateway.maintenance import purge
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World


async def test_inbound_exchanges_are_logged_and_searchable(world: World) -> None:
    await world.signed("GET", "/echo", params={"echo": "ping"})
    await world.signed("POST", "/iias/get", data={"iia_id": [f"x{i}" for i in range(101)]})
    await world.signed("POST", "/iias-approval", data={"iia_id": "unknown"})
    client, office = world.harness.client, world.harness.headers("coordinator", hei=SMILE_HEI)

    everything = (await client.get("/traffic", params={"direction": "in"}, headers=office)).json()["items"]
    assert [(t["api"], t["status"]) for t in everything] == [("iias-approval", 200), ("iias", 400), ("echo", 200)]
    echo = everything[-1]
    assert echo["partner_hei_id"] == world.partner.hei_id
    assert echo["key_id"] == world.partner.client_key.key_id
    assert echo["signed_response"] is True

    errors = (await client.get("/traffic", params={"errors_only": "true"}, headers=office)).json()["items"]
    assert [t["api"] for t in errors] == ["iias"]
    assert "too many iia_id" in errors[0]["error"]

    archived = (await client.get("/traffic", params={"archived": "true"}, headers=office)).json()["items"]
    assert [t["api"] for t in archived] == ["iias-approval"]
    detail = (await client.get(f"/traffic/{archived[0]['id']}", headers=office)).json()
    assert "iias-approval-response" in detail["response"]["body"]
    assert any(name == "signature" for name, _ in detail["response"]["headers"])
    assert any(name == "authorization" for name, _ in detail["request"]["headers"])

    page = (await client.get("/traffic", params={"limit": 2}, headers=office)).json()
    assert len(page["items"]) == 2
    older = (await client.get("/traffic", params={"before_id": page["next_before_id"]}, headers=office)).json()
    assert [t["api"] for t in older["items"]] == ["echo"]

    # another university's staff see nothing of it; students see nothing at all
    other = world.harness.headers("coordinator", hei="other.example")
    assert (await client.get("/traffic", headers=other)).json()["items"] == []
    assert (await client.get(f"/traffic/{echo['id']}", headers=other)).status_code == 404
    assert (await client.get("/traffic", headers=world.harness.headers("student", hei=SMILE_HEI))).status_code == 403


async def test_retention_keeps_archived_exchanges_longer(world: World) -> None:
    await world.signed("GET", "/echo")
    await world.signed("POST", "/iias-approval", data={"iia_id": "unknown"})
    from datetime import UTC, datetime, timedelta

    deleted = await purge(
        world.gateway, now=datetime.now(UTC) + timedelta(days=world.gateway.settings.ewp_traffic_retention_days + 1)
    )
    assert deleted["traffic"] >= 1
    assert deleted["archived"] == 0
    office = world.harness.headers("coordinator", hei=SMILE_HEI)
    left = (await world.harness.client.get("/traffic", headers=office)).json()["items"]
    assert [t["api"] for t in left] == ["iias-approval"]
