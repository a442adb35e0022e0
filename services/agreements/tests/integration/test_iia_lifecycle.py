"""Amendments, termination, deletion and quotas of an IIA."""

from __future__ import annotations

from typing import Any

from smile_agreements.definition import DEFINITION
from smile_agreements.iias.iiahash import find_iias, parse_xml

from .helpers import nomination
from .iia_helpers import (
    GRAZ,
    add_partner,
    create_iia,
    events_of,
    get_iia,
    iia_body,
    machine,
    office,
    partner_content,
    post_copy,
    post_partner_approval,
    received,
    share,
)


async def mutually_approved(h: Any) -> tuple[dict[str, Any], Any]:
    await add_partner(h)
    iia = await share(h, await create_iia(h))
    theirs = received(partner_content(iia, "graz-9"))
    await post_copy(h, theirs)
    iia = await get_iia(h, iia["id"])
    approve = {"version": iia["version"], "partner_iia_hash": theirs.iia_hash}
    assert (await h.client.post(f"/iias/{iia['id']}/approve", json=approve, headers=office(h))).status_code == 200
    await post_partner_approval(h, iia)
    iia = await get_iia(h, iia["id"])
    assert iia["status"] == "mutually_approved"
    return iia, theirs


def _write(iia: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": iia["version"],
        "partners": iia["partners"],
        "cooperation_conditions": iia["cooperation_conditions"],
    }


async def nominate(
    h: Any, iia: dict[str, Any], condition_index: int = 0, year: str = "2026/2027", **extra: Any
) -> None:
    body = nomination(
        sending_hei_id=GRAZ,
        iia_id=iia["id"],
        cooperation_condition_id=iia["cooperation_conditions"][condition_index]["id"],
        academic_year=year,
        academic_term=f"{year}-1/2",
        **extra,
    )
    response = await h.client.post("/mobilities", json=body, headers=office(h))
    assert response.status_code == 201, response.text


async def test_an_amendment_is_a_new_version_that_drops_only_the_approvals_that_no_longer_hold(make_harness) -> None:
    h = await make_harness(DEFINITION)
    iia, _ = await mutually_approved(h)

    # a contact is outside the hash: the partner's approval still holds
    body = _write(iia)
    body["partners"][1]["contacts"] = [{"name": "Mobility desk", "emails": ["incoming@uni-graz.at"]}]
    contacts = await h.client.put(f"/iias/{iia['id']}", json=body, headers=office(h))
    assert contacts.status_code == 200, contacts.text
    assert contacts.json()["version"] == iia["version"] + 1
    assert contacts.json()["iia_hash"] == iia["iia_hash"]
    assert contacts.json()["status"] == "mutually_approved"

    # more places: the hash changes, the partner's approval of the old text no longer holds
    body = _write(contacts.json())
    body["cooperation_conditions"][0]["mobilities_per_year"] = 3
    more = await h.client.put(f"/iias/{iia['id']}", json=body, headers=office(h))
    assert more.status_code == 200
    amended = more.json()
    assert amended["iia_hash"] != iia["iia_hash"]
    assert amended["approved_by_partner"] is False
    assert amended["status"] == "approved_by_us"  # we still approve the partner's (unchanged) copy
    assert amended["in_effect"] is True
    assert [c["id"] for c in amended["cooperation_conditions"]] == [c["id"] for c in iia["cooperation_conditions"]]
    last = (await events_of(h, "agreements.iia.updated.v1"))[-1].data
    assert last["hash_changed"] is True
    assert last["previous_iia_hash"] == iia["iia_hash"]
    assert last["changes"] == ["cooperation_conditions"]

    # the comparison shows exactly what differs now, and that it matters for the hash
    comparison = (await h.client.get(f"/iias/{iia['id']}/comparison", headers=office(h))).json()
    assert comparison["same_terms"] is False
    [difference] = [d for d in comparison["differences"] if d["affects_hash"]]
    assert difference["field"] == "cooperation_conditions[0].mobilities_per_year"
    assert (difference["ours"], difference["theirs"]) == (3, 2)
    contact = next(d for d in comparison["differences"] if d["field"] == "partner.contacts")
    assert contact["affects_hash"] is False

    # the partner follows with its new copy: our approval of its old copy lapses, then we approve again
    content = partner_content(amended, "graz-9")
    newer = received(content)
    await post_copy(h, newer)
    now = await get_iia(h, iia["id"])
    assert now["status"] == "shared"
    assert [a["holds"] for a in now["approvals"]] == [False, False]
    approve = {"version": now["version"], "partner_iia_hash": newer.iia_hash}
    assert (await h.client.post(f"/iias/{iia['id']}/approve", json=approve, headers=office(h))).status_code == 200
    await post_partner_approval(h, now)
    assert (await get_iia(h, iia["id"]))["status"] == "mutually_approved"

    # every version is kept with its hash
    history = (await h.client.get(f"/iias/{iia['id']}/history", headers=office(h))).json()
    hashes = [v["iia_hash"] for v in history["versions"]]
    assert iia["iia_hash"] in hashes
    assert amended["iia_hash"] in hashes


async def test_a_stale_amendment_is_refused_with_the_current_version(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    iia = await create_iia(h)
    body = _write(iia)
    body["cooperation_conditions"][0]["mobilities_per_year"] = 5
    assert (await h.client.put(f"/iias/{iia['id']}", json=body, headers=office(h))).status_code == 200
    body["cooperation_conditions"][0]["mobilities_per_year"] = 7
    stale = await h.client.put(f"/iias/{iia['id']}", json=body, headers=office(h))
    assert stale.status_code == 409
    assert stale.json()["current"]["cooperation_conditions"][0]["mobilities_per_year"] == 5
    unknown = _write(await get_iia(h, iia["id"]))
    unknown["cooperation_conditions"][0]["id"] = "00000000-0000-0000-0000-000000000001"
    assert (await h.client.put(f"/iias/{iia['id']}", json=unknown, headers=office(h))).status_code == 422


async def test_quotas_count_nominations_and_flag_those_over_quota(make_harness) -> None:
    h = await make_harness(DEFINITION)
    iia, _ = await mutually_approved(h)
    for i in range(3):
        await nominate(h, iia, student={**nomination()["student"], "email": f"s{i}@uni-graz.at", "esi": None})
    quotas = (
        await h.client.get(f"/iias/{iia['id']}/quotas", params={"academic_year": "2026/2027"}, headers=office(h))
    ).json()
    incoming = next(q for q in quotas if q["direction"] == "incoming")
    outgoing = next(q for q in quotas if q["direction"] == "outgoing")
    assert (incoming["planned"], incoming["nominations"], incoming["remaining"]) == (2, 3, -1)
    assert incoming["over_quota"] is True
    assert outgoing["nominations"] is None
    later = (
        await h.client.get(f"/iias/{iia['id']}/quotas", params={"academic_year": "2027/2028"}, headers=office(h))
    ).json()
    assert next(q for q in later if q["direction"] == "incoming")["nominations"] == 0
    flagged = (
        await h.client.get(
            "/iias/quotas", params={"academic_year": "2026/2027", "over_quota_only": True}, headers=office(h)
        )
    ).json()
    assert [q["cooperation_condition_id"] for q in flagged] == [iia["cooperation_conditions"][0]["id"]]

    # a condition with nominations cannot be removed, nor the IIA terminated as a whole
    body = _write(iia)
    body["cooperation_conditions"] = body["cooperation_conditions"][1:]
    removed = await h.client.put(f"/iias/{iia['id']}", json=body, headers=office(h))
    assert removed.status_code == 409
    assert removed.json()["type"] == "urn:smile:problem:condition-in-use"
    whole = await h.client.post(
        f"/iias/{iia['id']}/terminate", json={"version": iia["version"], "mode": "as_a_whole"}, headers=office(h)
    )
    assert whole.status_code == 409


async def test_termination_after_an_academic_year_shortens_the_conditions(make_harness) -> None:
    h = await make_harness(DEFINITION)
    iia, _ = await mutually_approved(h)
    await nominate(h, iia)
    missing = await h.client.post(
        f"/iias/{iia['id']}/terminate",
        json={"version": iia["version"], "mode": "after_academic_year"},
        headers=office(h),
    )
    assert missing.status_code == 422
    response = await h.client.post(
        f"/iias/{iia['id']}/terminate",
        json={
            "version": iia["version"],
            "mode": "after_academic_year",
            "last_academic_year": "2027/2028",
            "reason": "Programme closed",
        },
        headers=office(h),
    )
    assert response.status_code == 200, response.text
    ended = response.json()
    assert ended["status"] == "terminated"
    assert {c["receiving_last_academic_year_id"] for c in ended["cooperation_conditions"]} == {"2027/2028"}
    assert ended["approved_by_partner"] is False  # a modification: the partner approves it again
    assert ended["termination"]["reason"] == "Programme closed"
    [event] = [e.data for e in await events_of(h, "agreements.iia.terminated.v1")]
    assert event["mode"] == "after_academic_year"
    assert event["shared"] is True
    # still served to the partner, then the partner approves the terminated text
    index = await h.client.get("/internal/ewp/iias/index", params={"partner_hei_id": GRAZ}, headers=machine(h))
    assert index.json()["iia_ids"] == [iia["id"]]
    await post_partner_approval(h, ended)
    assert (await get_iia(h, iia["id"]))["approved_by_partner"] is True
    again = await h.client.post(
        f"/iias/{iia['id']}/terminate", json={"version": ended["version"], "mode": "as_a_whole"}, headers=office(h)
    )
    assert again.status_code == 409


async def test_termination_as_a_whole_before_any_exchange(make_harness) -> None:
    h = await make_harness(DEFINITION)
    iia, _ = await mutually_approved(h)
    response = await h.client.post(
        f"/iias/{iia['id']}/terminate", json={"version": iia["version"], "mode": "as_a_whole"}, headers=office(h)
    )
    assert response.status_code == 200, response.text
    assert response.json()["terminated_as_a_whole"] is True
    assert response.json()["iia_hash"] != iia["iia_hash"]
    xml = (await h.client.get(f"/iias/{iia['id']}/ewp-xml", headers=office(h))).content
    [element] = find_iias(parse_xml(xml))
    conditions = next(e for e in element if str(e.tag).endswith("cooperation-conditions"))
    assert conditions.get("terminated-as-a-whole") == "true"
    hashed = (await h.client.get(f"/iias/{iia['id']}/hash", headers=office(h))).json()
    assert hashed["text_to_hash"].startswith("_@terminated-as-a-whole@_")


async def test_only_never_approved_iias_are_deleted_and_they_leave_ewp(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    draft = await create_iia(h)
    never = await h.client.post(
        f"/iias/{draft['id']}/terminate", json={"version": draft["version"], "mode": "as_a_whole"}, headers=office(h)
    )
    assert never.status_code == 409
    shared = await share(h, draft)
    assert shared["version"] == draft["version"]  # sharing changes no word of the IIA
    stale = await h.client.delete(f"/iias/{draft['id']}", params={"version": draft["version"] + 1}, headers=office(h))
    assert stale.status_code == 409
    gone = await h.client.delete(f"/iias/{draft['id']}", params={"version": shared["version"]}, headers=office(h))
    assert gone.status_code == 204
    assert (await h.client.get(f"/iias/{draft['id']}", headers=office(h))).status_code == 404
    index = await h.client.get("/internal/ewp/iias/index", params={"partner_hei_id": GRAZ}, headers=machine(h))
    assert index.json() == {"iia_ids": []}
    [event] = [e.data for e in await events_of(h, "agreements.iia.deleted.v1")]
    assert event["was_shared"] is True

    approved, _ = await mutually_approved_again(h)
    refused = await h.client.delete(
        f"/iias/{approved['id']}", params={"version": approved["version"]}, headers=office(h)
    )
    assert refused.status_code == 409


async def mutually_approved_again(h: Any) -> tuple[dict[str, Any], Any]:
    iia = await share(h, await create_iia(h, iia_body(code="UNICAEN-GRAZ-2026-B")))
    theirs = received(partner_content(iia, "graz-10"))
    await post_copy(h, theirs)
    iia = await get_iia(h, iia["id"])
    approve = {"version": iia["version"], "partner_iia_hash": theirs.iia_hash}
    assert (await h.client.post(f"/iias/{iia['id']}/approve", json=approve, headers=office(h))).status_code == 200
    await post_partner_approval(h, iia)
    return await get_iia(h, iia["id"]), theirs
