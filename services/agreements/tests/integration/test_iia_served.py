"""The gateway's read for EWP IIAs ``get`` (``POST /internal/ewp/iias/served``): only what the partner may
fetch, in the order asked, with a revision that changes with every change of the served XML (a contact
outside the hash, the IIA coming into effect, a termination), and no XML for the revisions the caller holds."""

from __future__ import annotations

import json
import uuid
from typing import Any

from lxml import etree

from smile_agreements.definition import DEFINITION
from smile_agreements.iias.iiahash import find_iias, hash_iia, parse_xml

from .iia_helpers import (
    GRAZ,
    add_partner,
    create_iia,
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

WARSAW = "uw.edu.pl"
NS = "{https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd}"


async def served(h: Any, ids: list[str], known: dict[str, str] | None = None, partner: str = GRAZ) -> list[Any]:
    body = {"partner_hei_id": partner, "iia_ids": ids, "known": known or {}}
    response = await h.client.post("/internal/ewp/iias/served", json=body, headers=machine(h))
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def element(item: dict[str, Any]) -> etree._Element:
    [iia] = find_iias(parse_xml(item["ewp_xml"].encode()))
    return iia


def write(iia: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": iia["version"],
        "partners": iia["partners"],
        "cooperation_conditions": iia["cooperation_conditions"],
    }


async def test_served_xml_follows_every_change_of_the_iia(make_harness: Any) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    draft = await create_iia(h)
    assert await served(h, [draft["id"]]) == []  # a draft is not the partner's to fetch

    iia = await share(h, draft)
    [first] = await served(h, [iia["id"], "not-an-id", str(uuid.uuid4())])
    assert first["iia_id"] == iia["id"]
    xml = element(first)
    assert xml.findtext(f"{NS}iia-hash") == hash_iia(xml).iia_hash == (await get_iia(h, iia["id"]))["iia_hash"]
    assert xml.findtext(f"{NS}in-effect") == "false"
    assert await served(h, [iia["id"]], partner=WARSAW) == []  # another partner's key sees nothing

    # the caller holds this revision: no XML again
    [held] = await served(h, [iia["id"]], known={iia["id"]: first["revision"]})
    assert held == {"iia_id": iia["id"], "revision": first["revision"], "ewp_xml": None}

    # a contact (outside the hash): new version, new revision, the XML shows it
    body = write(await get_iia(h, iia["id"]))
    body["partners"][1]["contacts"] = [{"name": "Mobility desk", "emails": ["incoming@uni-graz.at"]}]
    amended = await h.client.put(f"/iias/{iia['id']}", json=body, headers=office(h))
    assert amended.status_code == 200, amended.text
    assert amended.json()["iia_hash"] == iia["iia_hash"]
    [second] = await served(h, [iia["id"]], known={iia["id"]: first["revision"]})
    assert second["revision"] != first["revision"]
    assert "incoming@uni-graz.at" in second["ewp_xml"]

    # both approve: the IIA comes into effect without a new version, and the revision still changes
    current = await get_iia(h, iia["id"])
    theirs = received(partner_content(current, "graz-9"))
    await post_copy(h, theirs)
    current = await get_iia(h, iia["id"])
    [before] = await served(h, [iia["id"]])
    assert element(before).findtext(f"{NS}in-effect") == "false"
    approve = {"version": current["version"], "partner_iia_hash": theirs.iia_hash}
    assert (await h.client.post(f"/iias/{iia['id']}/approve", json=approve, headers=office(h))).status_code == 200
    await post_partner_approval(h, current)
    in_effect = await get_iia(h, iia["id"])
    assert in_effect["in_effect"] is True
    assert in_effect["version"] == current["version"]
    [third] = await served(h, [iia["id"]], known={iia["id"]: before["revision"]})
    assert third["revision"] != before["revision"]
    assert element(third).findtext(f"{NS}in-effect") == "true"

    # terminated as a whole: new revision, the flag is in the XML and in the hash
    ended = await h.client.post(
        f"/iias/{iia['id']}/terminate", json={"version": in_effect["version"], "mode": "as_a_whole"}, headers=office(h)
    )
    assert ended.status_code == 200, ended.text
    [fourth] = await served(h, [iia["id"]], known={iia["id"]: third["revision"]})
    assert fourth["revision"] != third["revision"]
    conditions = element(fourth).find(f"{NS}cooperation-conditions")
    assert conditions is not None
    assert conditions.get("terminated-as-a-whole") == "true"
    assert element(fourth).findtext(f"{NS}iia-hash") == ended.json()["iia_hash"]


async def test_served_in_the_order_asked_and_deleted_ones_leave(make_harness: Any) -> None:
    h = await make_harness(DEFINITION)
    await add_partner(h)
    await add_partner(h, WARSAW, names={"en": "University of Warsaw"}, country="PL")
    graz = await share(h, await create_iia(h))
    warsaw_body = json.loads(json.dumps(iia_body(code="UNICAEN-UW-2026")).replace(GRAZ, WARSAW))
    warsaw = await share(h, await create_iia(h, warsaw_body))
    assert [i["iia_id"] for i in await served(h, [warsaw["id"], graz["id"]])] == [graz["id"]]
    assert [i["iia_id"] for i in await served(h, [warsaw["id"], graz["id"]], partner=WARSAW)] == [warsaw["id"]]

    second = await share(h, await create_iia(h, iia_body(code="UNICAEN-GRAZ-LAW", partners=_with_unit("law"))))
    assert [i["iia_id"] for i in await served(h, [second["id"], graz["id"]])] == [second["id"], graz["id"]]
    gone = await h.client.delete(f"/iias/{second['id']}", params={"version": second["version"]}, headers=office(h))
    assert gone.status_code == 204
    assert [i["iia_id"] for i in await served(h, [second["id"], graz["id"]])] == [graz["id"]]


def _with_unit(unit: str) -> list[dict[str, Any]]:
    partners: list[dict[str, Any]] = iia_body()["partners"]
    partners[0]["ounit_id"] = unit
    partners[0]["iia_code"] = "UNICAEN-GRAZ-LAW"
    return partners


async def test_served_needs_the_service_role_and_a_university(make_harness: Any) -> None:
    h = await make_harness(DEFINITION)
    body = {"partner_hei_id": GRAZ, "iia_ids": [str(uuid.uuid4())]}
    assert (await h.client.post("/internal/ewp/iias/served", json=body, headers=office(h))).status_code == 403
    no_tenant = h.headers("service", hei="*")
    assert (await h.client.post("/internal/ewp/iias/served", json=body, headers=no_tenant)).status_code == 400
    empty = {"partner_hei_id": GRAZ, "iia_ids": []}
    assert (await h.client.post("/internal/ewp/iias/served", json=empty, headers=machine(h))).status_code == 422
