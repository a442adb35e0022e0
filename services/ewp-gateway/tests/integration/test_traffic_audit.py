"""Reading an exchange's bodies (they name students) is recorded in the gateway's audit trail."""

from __future__ import annotations

from smile_ewp_gateway.testpartner.world import SMILE_HEI, World


async def test_reading_an_exchange_is_in_the_audit_trail(world: World) -> None:
    await world.signed("POST", "/iias-approval", data={"iia_id": "unknown"})
    client = world.harness.client
    office = world.harness.headers("coordinator", hei=SMILE_HEI, sub="office-1")
    [exchange] = (await client.get("/traffic", params={"archived": "true"}, headers=office)).json()["items"]
    other = world.harness.headers("coordinator", hei="other.example", sub="elsewhere")
    assert (await client.get(f"/traffic/{exchange['id']}", headers=other)).status_code == 404
    assert (await client.get(f"/traffic/{exchange['id']}", headers=office)).status_code == 200

    dpo = world.harness.headers("dpo", hei=SMILE_HEI, sub="dpo-1")
    trail = await client.get("/data-protection/audit", params={"object_type": "ewp_traffic"}, headers=dpo)
    [entry] = trail.json()["items"]
    assert (entry["action"], entry["actor_id"], entry["object_id"]) == ("read", "office-1", str(exchange["id"]))
    assert entry["changes"] == {"fields": ["request", "response"]}
    words = ("iias-approval", exchange["endpoint"], "with", world.partner.hei_id)
    assert entry["detail"] == " ".join(w for w in words if w)
