"""An IIA from draft to mutual approval, through EWP-style exchanges with the partner's node."""

from __future__ import annotations

import sqlalchemy as sa

from smile_agreements.db import data_protection
from smile_agreements.definition import DEFINITION
from smile_agreements.iias.iiahash import find_iias, hash_iia, parse_xml

from .iia_helpers import (
    GRAZ,
    add_partner,
    create_iia,
    events_of,
    get_iia,
    machine,
    office,
    partner_content,
    post_copy,
    post_partner_approval,
    received,
    share,
)


async def test_draft_share_map_approve_until_mutually_approved(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    iia = await create_iia(h)
    assert iia["status"] == "draft"
    assert iia["partners"][0]["iia_id"] == iia["id"]
    assert [c["id"] is not None for c in iia["cooperation_conditions"]] == [True, True]

    # the hash we announce is the hash of the XML we serve
    xml = await h.client.get(f"/iias/{iia['id']}/ewp-xml", headers=office(h))
    [element] = find_iias(parse_xml(xml.content))
    assert hash_iia(element).iia_hash == iia["iia_hash"]

    # a draft is invisible to the partner
    index = await h.client.get("/internal/ewp/iias/index", params={"partner_hei_id": GRAZ}, headers=machine(h))
    assert index.json() == {"iia_ids": []}
    iia = await share(h, iia)
    assert iia["status"] == "shared"
    index = await h.client.get("/internal/ewp/iias/index", params={"partner_hei_id": GRAZ}, headers=machine(h))
    assert index.json() == {"iia_ids": [iia["id"]]}

    # the partner's copy arrives, naming our id: we map its id, which changes our hash (v7 hashes both ids)
    theirs = received(partner_content(iia, "graz-iia-2026-4"))
    await post_copy(h, theirs)
    mapped = await get_iia(h, iia["id"])
    assert mapped["partners"][1]["iia_id"] == "graz-iia-2026-4"
    assert mapped["version"] == iia["version"] + 1
    assert mapped["iia_hash"] != iia["iia_hash"]
    assert mapped["partner_copy"]["iia_hash"] == theirs.iia_hash
    updated = [e.data for e in await events_of(h, "agreements.iia.updated.v1")]
    assert updated[-1]["partner_iia_id"] == "graz-iia-2026-4"
    assert updated[-1]["hash_changed"] is True

    comparison = (await h.client.get(f"/iias/{iia['id']}/comparison", headers=office(h))).json()
    assert comparison["same_terms"] is True, comparison

    # approving what we were shown: stale version and stale partner copy are refused with what is current
    stale = await h.client.post(
        f"/iias/{iia['id']}/approve",
        json={"version": iia["version"], "partner_iia_hash": theirs.iia_hash},
        headers=office(h),
    )
    assert stale.status_code == 409
    assert stale.json()["type"] == "urn:smile:problem:stale-version"
    assert stale.json()["current"]["version"] == mapped["version"]
    wrong = await h.client.post(
        f"/iias/{iia['id']}/approve",
        json={"version": mapped["version"], "partner_iia_hash": "0" * 64},
        headers=office(h),
    )
    assert wrong.status_code == 409
    assert wrong.json()["type"] == "urn:smile:problem:stale-partner-copy"
    assert wrong.json()["current"]["partner_copy"]["iia_hash"] == theirs.iia_hash

    approved = await h.client.post(
        f"/iias/{iia['id']}/approve",
        json={"version": mapped["version"], "partner_iia_hash": theirs.iia_hash},
        headers=office(h),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved_by_us"
    [event] = [e.data for e in await events_of(h, "agreements.iia.approved.v1")]
    assert event["approved_hash"] == theirs.iia_hash
    assert event["partner_iia_id"] == "graz-iia-2026-4"

    # the gateway serves our approval of the partner's copy (EWP IIAs Approval API)
    served = await h.client.get(
        "/internal/ewp/iia-approvals",
        params={"partner_hei_id": GRAZ, "iia_id": ["graz-iia-2026-4", "unknown"]},
        headers=machine(h),
    )
    assert [(a["iia_id"], a["iia_hash"]) for a in served.json()["items"]] == [("graz-iia-2026-4", theirs.iia_hash)]

    # the partner approves our current copy
    await post_partner_approval(h, mapped)
    final = await get_iia(h, iia["id"])
    assert final["status"] == "mutually_approved"
    assert final["in_effect"] is True
    assert [e.data["matches_current"] for e in await events_of(h, "agreements.iia.partner_approved.v1")] == [True]

    stats = await h.client.get("/internal/ewp/iias/stats", headers=machine(h))
    assert stats.json() == {
        "iia_fetchable": 1,
        "iia_local_unapproved_partner_approved": 0,
        "iia_local_approved_partner_unapproved": 0,
        "iia_both_approved": 1,
    }

    # each approval keeps a snapshot of exactly what was approved
    approvals = (await h.client.get(f"/iias/{iia['id']}/approvals", headers=office(h))).json()
    local = next(a for a in approvals if a["side"] == "local")
    partner = next(a for a in approvals if a["side"] == "partner")
    assert local["snapshot"]["approved_copy"]["partners"][0]["iia_id"] == "graz-iia-2026-4"
    assert partner["iia_version"] == mapped["version"]
    [snapshot] = find_iias(parse_xml(partner["snapshot_xml"]))
    assert hash_iia(snapshot).iia_hash == partner["approved_hash"] == final["iia_hash"]

    history = (await h.client.get(f"/iias/{iia['id']}/history", headers=office(h))).json()
    assert [e["action"] for e in history["events"]] == [
        "created",
        "shared",
        "partner_copy_received",
        "mapped",
        "approved",
        "partner_approved",
    ]
    assert all(e["actor"] for e in history["events"])

    # the gateway's read carries our XML, whose hash is the one announced
    items = (await h.client.get("/internal/ewp/iias", params={"partner_hei_id": GRAZ}, headers=machine(h))).json()[
        "items"
    ]
    [item] = items
    [served_iia] = find_iias(parse_xml(item["ewp_xml"]))
    assert hash_iia(served_iia).iia_hash == item["iia_hash"] == final["iia_hash"]
    assert item["partner_approval"]["iia_hash"] == final["iia_hash"]
    assert item["local_approval"]["partner_iia_hash"] == theirs.iia_hash

    # the audit trail says who did what: the coordinator approved, the partner's node mapped our copy
    audit = data_protection.audit
    async with h.runtime.database.sessionmaker() as session:
        rows = (
            await session.execute(
                sa.select(audit.c.action, audit.c.actor_type, audit.c.actor_id).where(
                    audit.c.object_type == "iia", audit.c.object_id == iia["id"]
                )
            )
        ).all()
    trail = {(a, t, who) for a, t, who in rows}
    assert ("approved", "user", "iro-marie") in trail
    assert ("mapped", "partner", GRAZ) in trail
    assert ("partner_approved", "partner", GRAZ) in trail
