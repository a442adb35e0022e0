"""Nominations that arrive through EWP (the gateway's ``ewp.nomination.received.v1``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from smile_agreements.definition import DEFINITION
from smile_common.events.payloads.ewp import (
    MobilityInstitution,
    NominationDeleted,
    NominationReceived,
    NominationStudent,
    PartnerUpdateFailed,
)

from .helpers import events_of, office, publish, wait_for

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def received(
    *, proposal: str = "P1", status: str = "pending", at: datetime = T0, family: str = "Sidorov"
) -> NominationReceived:
    return NominationReceived(
        omobility_id="c442c289-5541-4cae-9edb-8ad83e133613",
        sending_hei=MobilityInstitution(hei_id="uio.no", ounit_id="140"),
        receiving_hei=MobilityInstitution(hei_id="unicaen.fr", ounit_id="ECO-OU", iia_id="549117543"),
        proposal_id=proposal,
        status=status,  # type: ignore[arg-type]
        student=NominationStudent(
            given_names="Ivan Petrovich",
            family_name=family,
            global_id="urn:schac:personalUniqueCode:int:esi:uio.no:1234567890",
            birth_date=date(2004, 5, 5),
            nationality="NO",
            gender=1,
            email="ivan@example.com",
        ),
        sending_academic_term_ewp_id="2026/2027-1/2",
        receiving_academic_year_id="2026/2027",
        activity_type="student-studies",
        activity_attributes="long-term",
        agreement_isced_f_code="0311",
        eqf_level_studied_at_departure=6,
        nominee_isced_f_code="0311",
        received_at=at,
    )


async def _mobilities(h):  # type: ignore[no-untyped-def]
    return (await h.client.get("/mobilities", headers=office(h))).json()["items"]


async def test_an_ewp_nomination_becomes_a_mobility_once_and_follows_the_partner(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    first = await publish(h, received())
    [mobility] = await wait_for(lambda: _mobilities(h))
    assert mobility["source"] == "ewp"
    assert mobility["omobility_id"] == "c442c289-5541-4cae-9edb-8ad83e133613"
    assert mobility["proposal_id"] == "P1"
    assert mobility["student"]["esi"] == "urn:schac:personalUniqueCode:int:esi:uio.no:1234567890"
    assert mobility["ewp_iia_id"] == "549117543"

    await h.runtime.bus.publish([first])  # redelivered: nothing new
    newer = await publish(h, received(proposal="P2", family="Karamazov", at=T0 + timedelta(hours=2)))
    await publish(h, received(proposal="P0", family="Old", at=T0 - timedelta(hours=1)))  # late, older copy
    assert newer.id
    updated = await wait_for(lambda: _first_with(h, "proposal_id", "P2"))
    assert updated["student"]["family_name"] == "Karamazov"
    await h.drain()
    assert len(await _mobilities(h)) == 1
    assert len(await events_of(h, "agreements.mobility.nominated.v1")) == 1

    # the coordinator accepts the proposal the partner sent last: the gateway gets what it needs
    url = f"/mobilities/{mobility['id']}"
    accepted = await h.client.post(f"{url}/accept", json={"proposal_id": "P2"}, headers=office(h))
    assert accepted.status_code == 200
    [event] = await events_of(h, "agreements.mobility.accepted.v1")
    assert (event.data["source"], event.data["omobility_id"], event.data["proposal_id"]) == (
        "ewp",
        "c442c289-5541-4cae-9edb-8ad83e133613",
        "P2",
    )
    assert event.data["sending_hei_id"] == "uio.no"

    # the partner refused it (its proposal changed meanwhile): the decision must be taken again
    await publish(
        h,
        PartnerUpdateFailed(
            kind="nomination-approve", omobility_id=mobility["omobility_id"], sending_hei_id="uio.no",
            proposal_id="P2", http_status=409, reason="stale proposal", at=T0 + timedelta(hours=3),
        ),
    )  # fmt: skip
    await wait_for(lambda: _first_with(h, "status", "nominated"))

    # the gateway reads the actual dates of mobilities it sent to us
    await h.client.post(f"{url}/accept", json={}, headers=office(h))
    await h.client.post(f"{url}/arrival", json={"date": "2026-09-03"}, headers=office(h))
    service = {**h.headers("service", hei="*"), "X-Smile-Tenant": "unicaen.fr"}
    dates = await h.client.get(
        "/internal/imobilities", params={"omobility_id": [mobility["omobility_id"], "unknown"]}, headers=service
    )
    assert dates.json()["items"] == [
        {
            "omobility_id": mobility["omobility_id"],
            "sending_hei_id": "uio.no",
            "status": "live",
            "actual_arrival_date": "2026-09-03",
            "actual_departure_date": None,
        }
    ]
    other_partner = await h.client.get(
        "/internal/imobilities", params={"omobility_id": mobility["omobility_id"], "sending_hei_id": "unibo.it"},
        headers=service,
    )  # fmt: skip
    assert other_partner.json()["items"] == []


async def test_the_partner_cancels_or_deletes_its_nomination(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    await publish(h, received())
    await wait_for(lambda: _mobilities(h))
    await publish(h, received(status="cancelled", at=T0 + timedelta(minutes=5)))
    cancelled = await wait_for(lambda: _first_with(h, "status", "cancelled"))
    assert cancelled["cancellation_reason"] == "Cancelled by the sending institution."

    other = received().model_copy(update={"omobility_id": "m-2", "sending_academic_term_ewp_id": "2026/2027-2/2"})
    await publish(h, other)
    await wait_for(lambda: _count(h, 2))
    await publish(h, NominationDeleted(omobility_id="m-2", sending_hei_id="uio.no", observed_at=T0))
    await wait_for(lambda: _all_cancelled(h))


async def test_a_duplicate_ewp_nomination_is_kept_and_flagged_for_the_coordinator(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    await publish(h, received())
    await publish(h, received().model_copy(update={"omobility_id": "second-id"}))
    await wait_for(lambda: _count(h, 2))
    mobility = (await _mobilities(h))[0]
    checks = await h.client.get(f"/mobilities/{mobility['id']}/checks", headers=office(h))
    assert checks.status_code == 200
    by_code = {c["code"]: c["status"] for c in checks.json()["checks"]}
    assert by_code["duplicate"] == "failed"


async def _first_with(h, key: str, value: str):  # type: ignore[no-untyped-def]
    items = await _mobilities(h)
    return items[0] if items and items[0][key] == value else None


async def _count(h, n: int) -> bool:  # type: ignore[no-untyped-def]
    return len(await _mobilities(h)) == n


async def _all_cancelled(h) -> bool:  # type: ignore[no-untyped-def]
    return all(m["status"] == "cancelled" for m in await _mobilities(h))
