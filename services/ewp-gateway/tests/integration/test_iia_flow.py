"""Both directions over HTTP against the test partner: the partner notifies its IIA, SMILE fetches it, the
office adopts and shares SMILE's copy (CNR back), the partner polls SMILE's IIAs, each side approves the
other's copy (approval CNRs), and each reads the other's approval."""

from __future__ import annotations

from typing import Any

from smile_common.testing.harness import ServiceHarness
from smile_ewp_gateway.db import Traffic
from smile_ewp_gateway.iias.hashing import iia_hash
from smile_ewp_gateway.testpartner.data import IIA_NS, set_partner_iia_id
from smile_ewp_gateway.testpartner.node import FakePartner
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml, eventually
from smile_ewp_gateway.xmlkit import ns

APPROVAL = f"{{{ns.api_ns('iias-approval', 2)}}}"


async def test_iias_both_ways_with_approvals(world: World) -> None:
    assert world.agreements is not None
    await world.agreements.start_worker()
    await world.harness.start_worker()
    await iia_round_trip(world.partner, world.agreements, world.harness)


async def iia_round_trip(partner: FakePartner, agreements: ServiceHarness, gateway: ServiceHarness) -> None:
    """The whole exchange; every call between SMILE and the partner goes through their EWP stacks."""
    office = agreements.headers("coordinator", hei=SMILE_HEI)

    # the partner creates its IIA and notifies SMILE; SMILE answers at once and fetches it later
    partner_iia = partner.add_iia(SMILE_HEI)
    response = await partner.call(SMILE_HEI, "iia-cnr", 3, params=[("iia_id", partner_iia)])
    assert response.status_code == 200
    assert_valid_xml(response)

    async def partner_copy() -> dict[str, Any] | None:
        found = (await agreements.client.get("/partner-copies", headers=office)).json()
        return next((c for c in found if c["partner_iia_id"] == partner_iia), None)

    copy = await eventually(partner_copy, what="the partner's copy in agreements")
    assert copy["hash_verified"] is True

    # the office adopts it (our copy, mapped to the partner's id) and shares it: a CNR goes to the partner
    ours = (
        await agreements.client.post(
            f"/partner-copies/{copy['id']}/adopt", headers=office, json={"code": "UNICAEN-2026-001"}
        )
    ).json()
    shared = await agreements.client.post(
        f"/iias/{ours['id']}/share", headers=office, json={"version": ours["version"]}
    )
    assert shared.status_code == 200, shared.text
    our_id = ours["id"]

    def notified(api: str, iia_id: str) -> Any:
        async def check() -> bool:
            return any(r.api == api and r.params.get("iia_id") == [iia_id] for r in partner.received)

        return check

    await eventually(notified("iia-cnr", our_id), what="SMILE's IIA CNR at the partner")

    # the partner polls SMILE's IIAs: index, then get; the copy names both ids and its hash is right
    index = await partner.call(SMILE_HEI, "iias", 7, "index")
    assert our_id in [
        e.text for e in assert_valid_xml(index).iter(f"{{{ns.api_ns('iias', 7, 'index-response')}}}iia-id")
    ]
    got = await partner.call(SMILE_HEI, "iias", 7, "get", [("iia_id", our_id)])
    [iia] = assert_valid_xml(got).findall(f"{{{IIA_NS}}}iia")
    ids = [p.findtext(f"{{{IIA_NS}}}iia-id") for p in iia.findall(f"{{{IIA_NS}}}partner")]
    assert ids == [our_id, partner_iia]
    assert iia.findtext(f"{{{IIA_NS}}}iia-hash") == iia_hash(iia).sha256

    # the partner maps our id into its copy and notifies again; SMILE sees the mapping
    set_partner_iia_id(partner.iias[partner_iia], our_id)
    await partner.call(SMILE_HEI, "iia-cnr", 3, params=[("iia_id", partner_iia)])

    async def mapped() -> dict[str, Any] | None:
        read = (await agreements.client.get(f"/iias/{our_id}", headers=office)).json()
        copy = read.get("partner_copy") or {}
        return read if copy.get("claimed_local_iia_id") == our_id else None

    read = await eventually(mapped, what="the mapped partner copy")

    # the office approves the partner's copy as shown: SMILE rechecks its hash and sends the approval CNR
    approved = await agreements.client.post(
        f"/iias/{our_id}/approve",
        headers=office,
        json={"version": read["version"], "partner_iia_hash": read["partner_copy"]["iia_hash"]},
    )
    assert approved.status_code == 200, approved.text
    await eventually(notified("iia-approval-cnr", partner_iia), what="the approval CNR at the partner")

    # the partner reads SMILE's approval of its copy (signed answer, archived on SMILE's side)
    approval = await partner.call(SMILE_HEI, "iias-approval", 2, params=[("iia_id", partner_iia)])
    root = assert_valid_xml(approval)
    assert [e.text for e in root.iter(f"{APPROVAL}iia-hash")] == [iia_hash(partner.iias[partner_iia]).sha256]

    # the partner approves SMILE's copy and says so; SMILE reads the approval from the partner
    partner.approvals_given[our_id] = iia.findtext(f"{{{IIA_NS}}}iia-hash") or ""
    await partner.call(SMILE_HEI, "iia-approval-cnr", 2, params=[("iia_id", our_id)])

    async def approved_by_partner() -> bool:
        return bool((await agreements.client.get(f"/iias/{our_id}", headers=office)).json()["approved_by_partner"])

    await eventually(approved_by_partner, what="the partner's approval in agreements")
    archived = await gateway.count(Traffic.__table__, Traffic.archived.is_(True))
    assert archived >= 2  # the approval read by the partner, and SMILE's read of the partner's approval
