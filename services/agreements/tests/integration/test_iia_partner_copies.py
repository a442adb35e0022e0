"""Partners' copies: matching, adopting, withdrawal, approval guards, partners outside EWP, the bus."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from smile_agreements.definition import DEFINITION
from smile_agreements.iias.models import PartnerCopy
from smile_common.events.payloads import ewp

from .iia_helpers import (
    GRAZ,
    HEI,
    add_partner,
    create_iia,
    events_of,
    get_iia,
    office,
    partner_content,
    post_copy,
    post_partner_approval,
    publish,
    received,
    share,
    tick,
)


async def _approve(h: Any, iia: dict[str, Any], partner_hash: str | None, **extra: Any) -> Any:
    body = {"version": iia["version"], "partner_iia_hash": partner_hash, **extra}
    return await h.client.post(f"/iias/{iia['id']}/approve", json=body, headers=office(h))


async def test_an_unknown_partner_copy_waits_then_is_adopted_or_matched(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    ours = await share(h, await create_iia(h))
    # the partner proposes a copy naming no id of ours: no silent match, no silent duplicate
    foreign = partner_content(ours, "graz-77", mapped=False)
    await post_copy(h, received(foreign))
    waiting = (await h.client.get("/partner-copies", params={"unmatched": True}, headers=office(h))).json()
    [copy] = waiting
    assert copy["partner_iia_id"] == "graz-77"
    assert copy["content"]["partners"][0]["hei_id"] == GRAZ
    assert (await get_iia(h, ours["id"]))["partner_copy"] is None

    adopt = await h.client.post(
        f"/partner-copies/{copy['id']}/adopt", json={"code": "UNICAEN-GRAZ-NEW"}, headers=office(h)
    )
    assert adopt.status_code == 409  # it covers the same years as our IIA: match it instead
    assert adopt.json()["type"] == "urn:smile:problem:overlapping-iia"

    matched = await h.client.post(f"/partner-copies/{copy['id']}/match", json={"iia_id": ours["id"]}, headers=office(h))
    assert matched.status_code == 200, matched.text
    assert matched.json()["partners"][1]["iia_id"] == "graz-77"
    assert (await h.client.get("/partner-copies", params={"unmatched": True}, headers=office(h))).json() == []


async def test_adopting_a_partner_proposal_creates_our_mapped_draft(make_harness) -> None:
    h = await make_harness(DEFINITION)
    template = {"id": "00000000-0000-0000-0000-000000000000", "partners": [{"hei_id": HEI}, {"hei_id": GRAZ}]}
    from .iia_helpers import condition

    template["cooperation_conditions"] = [condition("incoming"), condition("outgoing")]
    proposal = received(partner_content(template, "graz-proposal-1", mapped=False))
    await post_copy(h, proposal)  # the partner is added to our list on the way
    [copy] = (await h.client.get("/partner-copies", params={"unmatched": True}, headers=office(h))).json()
    adopted = await h.client.post(
        f"/partner-copies/{copy['id']}/adopt", json={"code": "UNICAEN-GRAZ-A"}, headers=office(h)
    )
    assert adopted.status_code == 201, adopted.text
    iia = adopted.json()
    assert iia["status"] == "draft"
    assert iia["partners"][1]["iia_id"] == "graz-proposal-1"
    assert iia["partner_copy"]["partner_iia_id"] == "graz-proposal-1"
    assert len(iia["cooperation_conditions"]) == 2
    comparison = (await h.client.get(f"/iias/{iia['id']}/comparison", headers=office(h))).json()
    assert comparison["same_terms"] is False  # the partner does not name our id yet
    assert [d["field"] for d in comparison["differences"] if d["affects_hash"]] == ["local_partner.iia_id"]
    partners = (await h.client.get("/partners", headers=office(h))).json()["items"]
    assert [p["hei_id"] for p in partners] == [GRAZ]


async def test_approval_guards_on_the_partner_copy(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    ours = await share(h, await create_iia(h))

    # not yet mapped by the partner
    unmapped = received(partner_content(ours, "graz-5", mapped=False))
    await post_copy(h, unmapped)
    copy_id = (await h.client.get("/partner-copies", headers=office(h))).json()[0]["id"]
    await h.client.post(f"/partner-copies/{copy_id}/match", json={"iia_id": ours["id"]}, headers=office(h))
    ours = await get_iia(h, ours["id"])
    refused = await _approve(h, ours, unmapped.iia_hash)
    assert refused.json()["type"] == "urn:smile:problem:not-mapped"

    # a copy whose declared hash the gateway could not reproduce
    await post_copy(h, received(partner_content(ours, "graz-5"), hash_verified=False))
    ours = await get_iia(h, ours["id"])
    bad_hash = await _approve(h, ours, ours["partner_copy"]["iia_hash"])
    assert bad_hash.json()["type"] == "urn:smile:problem:partner-hash-mismatch"

    # values still "not yet defined" (migrated from v6): v7 forbids approving them
    content = partner_content(ours, "graz-5")
    content["cooperation_conditions"][0]["mobilities_per_year_not_yet_defined"] = True
    nyd = received(content, valid_for_approval=False)
    await post_copy(h, nyd)
    ours = await get_iia(h, ours["id"])
    not_defined = await _approve(h, ours, nyd.iia_hash)
    assert not_defined.status_code == 422
    assert not_defined.json()["type"] == "urn:smile:problem:not-yet-defined"

    # copies that say different things: refused unless knowingly accepted
    content = partner_content(ours, "graz-5")
    content["cooperation_conditions"][1]["receiving_last_academic_year_id"] = "2027/2028"
    other = received(content)
    await post_copy(h, other)
    ours = await get_iia(h, ours["id"])
    differ = await _approve(h, ours, other.iia_hash)
    assert differ.status_code == 409
    assert [d["field"] for d in differ.json()["differences"]] == [
        "cooperation_conditions[1].receiving_last_academic_year_id"
    ]
    assert (await _approve(h, ours, other.iia_hash, accept_differences=True)).status_code == 200
    assert (await get_iia(h, ours["id"]))["status"] == "approved_by_us"
    assert len(await events_of(h, "agreements.iia.approved.v1")) == 1
    # approving the same copy again changes nothing
    assert (await _approve(h, ours, other.iia_hash, accept_differences=True)).status_code == 200
    assert len(await events_of(h, "agreements.iia.approved.v1")) == 1


async def test_a_partner_withdrawing_its_copy_unmaps_ours(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    ours = await share(h, await create_iia(h))
    theirs = received(partner_content(ours, "graz-8"))
    await post_copy(h, theirs)
    mapped = await get_iia(h, ours["id"])
    assert (await _approve(h, mapped, theirs.iia_hash)).status_code == 200
    response = await h.client.post(
        "/internal/ewp/iias/partner-copies/deleted",
        json=ewp.IiaDeleted(
            partner_hei_id=GRAZ, partner_iia_id="graz-8", local_hei_id=HEI, observed_at=tick()
        ).model_dump(mode="json"),
        headers={**h.headers("service", hei="*"), "X-Smile-Tenant": HEI},
    )
    assert response.json() == {"recorded": True}
    after = await get_iia(h, ours["id"])
    assert after["partners"][1].get("iia_id") is None  # v7: never name a deleted copy's id
    assert after["iia_hash"] == ours["iia_hash"]
    assert after["status"] == "shared"
    assert after["partner_copy"]["deleted_at"] is not None


async def test_a_partner_outside_ewp_signs_our_copy(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(
        h, "usp.br", names={"pt": "Universidade de São Paulo", "en": "University of São Paulo"}, country="BR"
    )
    body = {
        "partners": [{"hei_id": HEI, "iia_code": "UNICAEN-USP-2026"}, {"hei_id": "usp.br"}],
        "cooperation_conditions": [
            {
                "type": "staff_teacher",
                "sending_hei_id": "usp.br",
                "receiving_hei_id": HEI,
                "receiving_first_academic_year_id": "2026/2027",
                "receiving_last_academic_year_id": "2027/2028",
                "mobilities_per_year": 1,
                "recommended_language_skills": [{"language": "fr", "cefr_level": "B1"}],
                "total_days_per_year": 7.5,
            }
        ],
        "share": True,
    }
    iia = await create_iia(h, body)
    missing_hash = await _approve(h, iia, None)
    assert missing_hash.status_code == 200, missing_hash.text
    assert missing_hash.json()["status"] == "approved_by_us"
    stale = await h.client.post(f"/iias/{iia['id']}/partner-approval", json={"version": 99}, headers=office(h))
    assert stale.status_code == 409
    signed = await h.client.post(
        f"/iias/{iia['id']}/partner-approval",
        json={"version": iia["version"], "signed_by": "Prof. Ana Souza", "approved_at": "2026-06-01T10:00:00Z"},
        headers=office(h),
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "mutually_approved"
    [partner] = [a for a in signed.json()["approvals"] if a["side"] == "partner"]
    assert partner["source"] == "manual"
    assert partner["approved_at"].startswith("2026-06-01")


async def test_gateway_events_are_applied_once_whatever_their_order(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    await add_partner(h)
    ours = await share(h, await create_iia(h))
    older = received(partner_content(ours, "graz-bus"))
    content = partner_content(ours, "graz-bus")
    content["cooperation_conditions"][0]["mobilities_per_year"] = 4
    newer = received(content)
    envelope = await publish(h, newer)
    await h.runtime.bus.publish([envelope])  # delivered twice
    await publish(h, older)  # an older fetch arriving late changes nothing
    copies = DEFINITION.metadata.tables["agreements.iia_partner_copy"]
    assert await h.count(copies) == 1
    # a copy meant for another university is not ours to keep
    await publish(h, received(partner_content(ours, "graz-other"), local_hei_id="univ-rennes.fr"))
    assert await h.count(copies) == 1
    mapped = await get_iia(h, ours["id"])
    assert mapped["partner_copy"]["iia_hash"] == newer.iia_hash
    assert mapped["partners"][1]["iia_id"] == "graz-bus"

    approval = ewp.IiaApprovalReceived(
        partner_hei_id=GRAZ,
        local_hei_id=HEI,
        local_iia_id=mapped["id"],
        approved_hash=mapped["iia_hash"],
        matches_current=True,
        received_at=datetime.now(UTC),
    )
    await publish(h, approval)
    await publish(h, approval)
    assert (await get_iia(h, ours["id"]))["approved_by_partner"] is True
    assert len(await events_of(h, "agreements.iia.partner_approved.v1")) == 1

    registry = ewp.InstitutionUpdated(
        hei_id=GRAZ,
        names={"en": "University of Graz (registry)", "de": "Universität Graz"},
        erasmus_code="A  GRAZ01",
        pic="999878017",
        country="AT",
        city="Graz",
        on_ewp=True,
        source="registry",
        observed_at=datetime.now(UTC),
    )
    await publish(h, registry)
    [partner] = (await h.client.get("/partners", headers=office(h))).json()["items"]
    # names were typed in by hand: the registry does not overwrite them; the rest it fills in
    assert partner["names"]["en"] == "University of Graz"
    assert (partner["erasmus_code"], partner["city"], partner["on_ewp"]) == ("A  GRAZ01", "Graz", True)
    assert await h.count(PartnerCopy.__table__, PartnerCopy.iia_id.is_not(None)) == 1
    await post_partner_approval(h, mapped)  # the same approval through the internal API: still once
    assert len(await events_of(h, "agreements.iia.partner_approved.v1")) == 1


async def test_a_copy_of_a_deleted_iia_comes_back_unmatched(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    ours = await share(h, await create_iia(h))
    first = received(partner_content(ours, "graz-old"))
    await post_copy(h, first)
    gone = ewp.IiaDeleted(partner_hei_id=GRAZ, partner_iia_id="graz-old", local_hei_id=HEI, observed_at=tick())
    headers = {**h.headers("service", hei="*"), "X-Smile-Tenant": HEI}
    await h.client.post("/internal/ewp/iias/partner-copies/deleted", json=gone.model_dump(mode="json"), headers=headers)
    await post_copy(h, received(partner_content(ours, "graz-new", mapped=False)))
    new_copy = next(
        c
        for c in (await h.client.get("/partner-copies", headers=office(h))).json()
        if c["partner_iia_id"] == "graz-new"
    )
    await h.client.post(f"/partner-copies/{new_copy['id']}/match", json={"iia_id": ours["id"]}, headers=office(h))
    current = await get_iia(h, ours["id"])
    deleted = await h.client.delete(f"/iias/{ours['id']}", params={"version": current["version"]}, headers=office(h))
    assert deleted.status_code == 204
    # the partner serves its old copy again, still naming our deleted IIA: kept, unmatched, no failure
    await post_copy(h, received(partner_content(ours, "graz-old")))
    unmatched = (await h.client.get("/partner-copies", params={"unmatched": True}, headers=office(h))).json()
    assert {c["partner_iia_id"] for c in unmatched} == {"graz-old", "graz-new"}
