"""Nominations entered by hand: who sees what, duplicates, decisions, arrival and departure."""

from __future__ import annotations

from smile_agreements.definition import DEFINITION
from smile_agreements.mobilities.models import Mobility

from .helpers import STUDENT_EMAIL, create, events_of, nomination, office, referent, student


async def test_a_nomination_by_hand_is_stored_announced_and_visible_to_its_people(make_harness) -> None:
    h = await make_harness(DEFINITION)
    created = await create(h)
    assert created["status"] == "nominated"
    assert created["source"] == "manual"
    assert created["student"]["esi"].endswith(":20031204")
    assert created["proposal_id"]

    [event] = await events_of(h, "agreements.mobility.nominated.v1")
    assert event.data["mobility_id"] == created["id"]
    assert event.data["student"]["email"] == STUDENT_EMAIL
    [notice] = await events_of(h, "agreements.notification.requested.v1")
    assert notice.data["template"] == "nomination_received"
    assert notice.data["recipient_email"] == "international@unicaen.fr"

    url = f"/mobilities/{created['id']}"
    assert (await h.client.get(url, headers=student(h))).status_code == 200
    assert (await h.client.get(url, headers=referent(h, "ECO"))).status_code == 200
    assert (await h.client.get(url, headers=student(h, email="someone.else@uio.no", sub="x"))).status_code == 404
    assert (await h.client.get(url, headers=referent(h, "DROIT"))).status_code == 404
    assert (await h.client.get(url, headers=office(h, hei="univ-rennes.fr"))).status_code == 404

    mine = await h.client.get("/mobilities", headers=student(h))
    assert [m["id"] for m in mine.json()["items"]] == [created["id"]]
    others = await h.client.get("/mobilities", headers=referent(h, "DROIT"))
    assert others.json()["items"] == []


async def test_the_same_student_cannot_be_nominated_twice_for_the_same_term(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await create(h)
    again = await h.client.post("/mobilities", json=nomination(), headers=office(h))
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["type"] == "urn:smile:problem:duplicate-nomination"
    # the same student without ESI but the same... ESI decides; a full-year nomination overlaps too
    full_year = await h.client.post("/mobilities", json=nomination(academic_term="2026/2027-1/1"), headers=office(h))
    assert full_year.status_code == 409
    assert await h.count(Mobility.__table__) == 1
    # the spring term of the same year is another mobility
    await create(
        h, academic_term="2026/2027-2/2", planned_arrival_date="2027-02-01", planned_departure_date="2027-06-30"
    )
    assert await h.count(Mobility.__table__) == 2


async def test_bad_nominations_are_refused_with_reasons(make_harness) -> None:
    h = await make_harness(DEFINITION)
    cases = [
        nomination(academic_year="2026/2028"),
        nomination(academic_term="2025/2026-1/2"),
        nomination(planned_departure_date="2026-08-01"),
        nomination(student={"given_names": "A", "family_name": "B", "esi": "not-an-esi"}),
        nomination(eqf_level=9),
        nomination(sending_hei_id="UiO NO!"),
    ]
    for body in cases:
        response = await h.client.post("/mobilities", json=body, headers=office(h))
        assert response.status_code == 422, body
        assert response.json()["type"] == "urn:smile:problem:validation-error"
    forbidden = await h.client.post("/mobilities", json=nomination(), headers=student(h))
    assert forbidden.status_code == 403
    assert await h.count(Mobility.__table__) == 0


async def test_decisions_follow_the_proposal_the_coordinator_saw(make_harness) -> None:
    h = await make_harness(DEFINITION)
    created = await create(h)
    url = f"/mobilities/{created['id']}"
    seen = created["proposal_id"]
    changed = await h.client.patch(url, json={"planned_arrival_date": "2026-09-05"}, headers=office(h))
    assert changed.json()["proposal_id"] != seen

    stale = await h.client.post(f"{url}/accept", json={"proposal_id": seen}, headers=office(h))
    assert stale.status_code == 409
    assert stale.json()["current_proposal_id"] == changed.json()["proposal_id"]
    assert (await h.client.get(url, headers=office(h))).json()["status"] == "nominated"

    no_reason = await h.client.post(f"{url}/reject", json={}, headers=office(h))
    assert no_reason.status_code == 422
    rejected = await h.client.post(f"{url}/reject", json={"reason": "Quota reached"}, headers=office(h))
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Quota reached"
    [event] = await events_of(h, "agreements.mobility.rejected.v1")
    assert event.data["reason"] == "Quota reached"

    accepted = await h.client.post(
        f"{url}/accept", json={"proposal_id": changed.json()["proposal_id"]}, headers=office(h)
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert len(await events_of(h, "agreements.mobility.accepted.v1")) == 1
    referent_try = await h.client.post(f"{url}/cancel", json={"reason": "changed mind"}, headers=referent(h, "ECO"))
    assert referent_try.status_code == 403


async def test_arrival_and_departure_make_the_mobility_live_then_completed(make_harness) -> None:
    h = await make_harness(DEFINITION)
    created = await create(h)
    url = f"/mobilities/{created['id']}"
    early = await h.client.post(f"{url}/arrival", json={"date": "2026-09-02"}, headers=office(h))
    assert early.status_code == 409  # not accepted yet
    await h.client.post(f"{url}/accept", json={}, headers=office(h))
    live = await h.client.post(f"{url}/arrival", json={"date": "2026-09-02"}, headers=office(h))
    assert live.json()["status"] == "live"
    backwards = await h.client.post(f"{url}/departure", json={"date": "2026-08-30"}, headers=office(h))
    assert backwards.status_code == 422
    done = await h.client.post(f"{url}/departure", json={"date": "2027-01-29"}, headers=office(h))
    assert done.json()["status"] == "completed"
    assert done.json()["actual_departure_date"] == "2027-01-29"
    [arrived] = await events_of(h, "agreements.mobility.arrived.v1")
    assert arrived.data["actual_arrival_date"] == "2026-09-02"
    assert len(await events_of(h, "agreements.mobility.departed.v1")) == 1


async def test_cancelling_frees_the_term_for_a_new_nomination(make_harness) -> None:
    h = await make_harness(DEFINITION)
    created = await create(h)
    cancelled = await h.client.post(
        f"/mobilities/{created['id']}/cancel", json={"reason": "Student withdrew"}, headers=office(h)
    )
    assert cancelled.json()["status"] == "cancelled"
    await create(h)
    assert await h.count(Mobility.__table__) == 2
