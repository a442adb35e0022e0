"""IIAs ``get`` served from the fragments the gateway keeps: a poll of unchanged IIAs does not reach
agreements, and every change of an IIA (announced by agreements' events, before the partner's CNR) is
served at once: an amendment, the IIA leaving EWP."""

from __future__ import annotations

import json
from typing import Any

import httpx

from smile_ewp_gateway.iias.hashing import iia_hash
from smile_ewp_gateway.testpartner.data import IIA_NS
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml, eventually

C_NS = "https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1"


def condition(sending: str, receiving: str) -> dict[str, Any]:
    return {
        "type": "student_studies",
        "sending_hei_id": sending,
        "receiving_hei_id": receiving,
        "receiving_first_academic_year_id": "2026/2027",
        "receiving_last_academic_year_id": "2028/2029",
        "mobilities_per_year": 2,
        "recommended_language_skills": [{"language": "en", "cefr_level": "B2"}],
        "subject_areas": [{"isced_f_code": "0421"}],
        "total_months_per_year": 10,
        "blended": False,
        "eqf_levels": [7],
    }


async def test_unchanged_iias_stay_in_the_gateway_and_changes_are_served_at_once(world: World) -> None:
    assert world.agreements is not None
    assert world.owner_transport is not None
    agreements, partner, sent = world.agreements, world.partner, world.owner_transport.sent
    await agreements.start_worker()
    await world.harness.start_worker()
    office = agreements.headers("coordinator", hei=SMILE_HEI)
    created = await agreements.client.post(
        "/partners", json={"hei_id": partner.hei_id, "names": {"en": "Warsaw"}, "country": "PL"}, headers=office
    )
    assert created.status_code == 201, created.text
    body = {
        "share": True,
        "partners": [
            {"hei_id": SMILE_HEI, "iia_code": "UNICAEN-UW-1", "contacts": [{"name": "Relations internationales"}]},
            {"hei_id": partner.hei_id, "contacts": [{"name": "International Office"}]},
        ],
        "cooperation_conditions": [condition(partner.hei_id, SMILE_HEI), condition(SMILE_HEI, partner.hei_id)],
    }
    response = await agreements.client.post("/iias", json=body, headers=office)
    assert response.status_code == 201, response.text
    iia = response.json()

    def cnrs() -> int:
        return sum(1 for r in partner.received if r.api == "iia-cnr" and r.params.get("iia_id") == [iia["id"]])

    async def notified(count: int) -> bool:
        return cnrs() >= count

    def reads() -> list[httpx.Request]:
        return [r for r in sent if r.url.path == "/internal/ewp/iias/served"]

    async def get() -> list[Any]:
        response = await partner.call(SMILE_HEI, "iias", 7, "get", [("iia_id", iia["id"]), ("iia_id", "unknown")])
        assert response.status_code == 200, response.text
        found: list[Any] = assert_valid_xml(response).findall(f"{{{IIA_NS}}}iia")
        for element in found:
            assert element.findtext(f"{{{IIA_NS}}}iia-hash") == iia_hash(element).sha256
        return found

    await eventually(lambda: notified(1), what="the CNR of the new IIA")
    [first] = await get()
    assert len(reads()) == 1
    again = await get()
    assert len(reads()) == 1  # nothing changed: served without asking agreements
    assert [_text(e) for e in again] == [_text(first)]

    # an amendment (a contact, outside the hash): the partner is notified and gets the new text at once
    body = {
        "version": iia["version"],
        "partners": iia["partners"],
        "cooperation_conditions": iia["cooperation_conditions"],
    }
    body["partners"][1]["contacts"] = [{"name": "Incoming desk", "emails": ["incoming@uw.edu.pl"]}]
    amended = await agreements.client.put(f"/iias/{iia['id']}", json=body, headers=office)
    assert amended.status_code == 200, amended.text
    await eventually(lambda: notified(2), what="the CNR of the amendment")
    [second] = await get()
    assert "incoming@uw.edu.pl" in [e.text for e in second.iter(f"{{{C_NS}}}email")]
    assert len(reads()) == 2
    asked = json.loads(reads()[-1].content)
    assert list(asked["known"]) == [iia["id"]]  # agreements was told which revision the gateway held
    assert asked["iia_ids"] == [iia["id"]]  # the unknown id was answered from memory too

    # deleted (never approved): it leaves EWP at once
    gone = await agreements.client.delete(
        f"/iias/{iia['id']}", params={"version": amended.json()["version"]}, headers=office
    )
    assert gone.status_code == 204, gone.text
    await eventually(lambda: notified(3), what="the CNR of the deletion")
    assert await get() == []
    assert await get() == []
    assert len(reads()) == 3


def _text(element: Any) -> bytes:
    from lxml import etree

    return bytes(etree.tostring(element, method="c14n"))
