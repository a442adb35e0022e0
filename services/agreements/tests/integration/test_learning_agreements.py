"""Learning agreements drafted in SMILE (partner outside EWP): from the basket to three signatures."""

from __future__ import annotations

from smile_agreements.definition import DEFINITION
from smile_agreements.learning_agreements.models import CatalogueCourse, LearningAgreement

from .helpers import accepted_file, events_of, office, publish, referent, student, wait_for
from .la_helpers import basket, la_url, publish_courses, recognized, studied, withdraw


async def _la(h, mobility_id: str):  # type: ignore[no-untyped-def]
    response = await h.client.get(la_url(mobility_id), headers=student(h))
    return response.json() if response.status_code == 200 and response.json()["versions"] else None


async def _sign(h, mid: str, n: int, proposal: str, party: str, headers):  # type: ignore[no-untyped-def]
    body = {"proposal_id": proposal, "party": party, "signer_position": "Coordinator"}
    return await h.client.post(f"{la_url(mid)}/versions/{n}/sign", json=body, headers=headers)


async def test_the_basket_drafts_table_a_and_three_signatures_approve_it(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    ids = await publish_courses(h)
    mobility, _ = await accepted_file(h)
    mid = mobility["id"]
    await publish(h, basket(mid, ids, ["ECO-MAC-110", "ECO-ECM-230", "LET-FLE-100"]))
    la = await wait_for(lambda: _la(h, mid))
    [draft] = la["versions"]
    assert draft["status"] == "draft"
    assert [c["code"] for c in draft["components"]] == ["ECO-MAC-110", "ECO-ECM-230", "LET-FLE-100"]
    assert draft["total_credits"] == {"studied": "14"}

    # the student completes table B, then proposes
    components = [*(studied(c["code"], int(float(c["credits"]))) for c in draft["components"])]
    components += [recognized("Makroøkonomi", 7), recognized("Fransk språk", 7)]
    edited = await h.client.put(f"{la_url(mid)}/versions/1", json={"components": components}, headers=student(h))
    assert edited.status_code == 200, edited.text
    proposed = await h.client.post(f"{la_url(mid)}/versions/1/propose", headers=student(h))
    assert proposed.status_code == 200, proposed.text
    proposal = proposed.json()["proposal_id"]
    [event] = await events_of(h, "agreements.learning_agreement.proposed.v1")
    assert event.data["proposal_id"] == proposal
    assert event.data["source"] == "local"

    # each party signs for itself only
    assert (await _sign(h, mid, 1, proposal, "receiving", student(h))).status_code == 403
    assert (await _sign(h, mid, 1, proposal, "sending", referent(h, "ECO"))).status_code == 403
    assert (await _sign(h, mid, 1, proposal, "student", student(h))).status_code == 200
    assert (await _sign(h, mid, 1, proposal, "sending", office(h))).status_code == 200
    assert await events_of(h, "agreements.learning_agreement.approved.v1") == []
    done = await _sign(h, mid, 1, proposal, "receiving", referent(h, "ECO"))
    assert done.json()["status"] == "approved"
    [approved] = await events_of(h, "agreements.learning_agreement.approved.v1")
    assert [c["code"] for c in approved.data["components"] if c["table"] == "studied"] == [
        "ECO-MAC-110",
        "ECO-ECM-230",
        "LET-FLE-100",
    ]
    assert approved.data["receiving_signature"]["signer_position"] == "Coordinator"
    la = await _la(h, mid)
    assert len(la["current_components"]) == 5

    for lang in ("fr", "en"):  # the text of the document is checked in tests/unit/test_la_pdf.py
        pdf = await h.client.get(f"{la_url(mid)}/pdf", params={"lang": lang}, headers=student(h))
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF-")
        assert pdf.headers["content-type"] == "application/pdf"

    # a later basket does not overwrite a signed table A
    await publish(h, basket(mid, ids, ["DRT-EU-101", "HIS-NOR-150"], submission=2))
    await h.drain()
    assert [c["code"] for c in (await _la(h, mid))["versions"][0]["components"]][:1] == ["ECO-MAC-110"]


async def test_unknown_courses_and_credits_out_of_bounds_are_refused(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    ids = await publish_courses(h)
    mobility, _ = await accepted_file(h)
    mid = mobility["id"]
    unknown = await h.client.post(
        la_url(mid), json={"components": [studied("NOPE-999", 6), studied("ECO-MAC-110", 6)]}, headers=student(h)
    )
    assert unknown.status_code == 422
    assert unknown.json()["type"] == "urn:smile:problem:unknown-courses"
    assert unknown.json()["unknown"] == ["NOPE-999"]
    await withdraw(h, ids["HIS-NOR-150"], "HIS-NOR-150")
    await h.drain()
    # wait for the withdrawal to reach the read model (probing with a POST could create the LA meanwhile)
    withdrawn_course = CatalogueCourse.__table__
    await wait_for(
        lambda: h.count(
            withdrawn_course, withdrawn_course.c.course_id == ids["HIS-NOR-150"], ~withdrawn_course.c.published
        )
    )
    assert await _refused(h, mid, "HIS-NOR-150")
    assert await h.count(LearningAgreement.__table__) == 0

    created = await h.client.post(la_url(mid), json={"components": [studied("LET-FLE-100", 3)]}, headers=student(h))
    assert created.status_code == 201
    too_few = await h.client.post(f"{la_url(mid)}/versions/1/propose", headers=student(h))
    assert too_few.status_code == 422
    assert too_few.json()["type"] == "urn:smile:problem:credits-out-of-bounds"
    assert (await _la(h, mid))["versions"][0]["status"] == "draft"
    too_many = [studied(code, 30) for code in ("ECO-MAC-110", "DRT-EU-101")]
    await h.client.put(f"{la_url(mid)}/versions/1", json={"components": too_many}, headers=student(h))
    assert (await h.client.post(f"{la_url(mid)}/versions/1/propose", headers=student(h))).status_code == 422
    negative = await h.client.put(
        f"{la_url(mid)}/versions/1", json={"components": [studied("ECO-MAC-110", -3)]}, headers=student(h)
    )
    assert negative.status_code == 422
    other = await h.client.get(la_url(mid), headers=student(h, email="x@y.z", sub="x"))
    assert other.status_code == 404


async def _refused(h, mid: str, code: str) -> bool:  # type: ignore[no-untyped-def]
    response = await h.client.post(la_url(mid), json={"components": [studied(code, 4)]}, headers=student(h))
    return response.status_code == 422


async def test_a_proposal_changed_since_it_was_shown_cannot_be_signed(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    await publish_courses(h)
    mobility, _ = await accepted_file(h)
    mid = mobility["id"]
    first = [studied("ECO-MAC-110", 6), studied("ECO-ECM-230", 5)]
    await h.client.post(la_url(mid), json={"components": first}, headers=student(h))
    shown = (await h.client.post(f"{la_url(mid)}/versions/1/propose", headers=student(h))).json()["proposal_id"]
    assert (await _sign(h, mid, 1, shown, "student", student(h))).status_code == 200
    edited = await h.client.put(
        f"{la_url(mid)}/versions/1", json={"components": [*first, studied("DRT-EU-101", 6)]}, headers=office(h)
    )
    assert edited.json()["proposal_id"] != shown
    assert edited.json()["signatures"] == {}
    stale = await _sign(h, mid, 1, shown, "receiving", office(h))
    assert stale.status_code == 409
    assert stale.json()["current_proposal_id"] == edited.json()["proposal_id"]
    [changed] = await events_of(h, "agreements.learning_agreement.changed.v1")
    assert changed.data["previous_proposal_id"] == shown

    rejected = await h.client.post(
        f"{la_url(mid)}/versions/1/reject",
        json={"proposal_id": edited.json()["proposal_id"], "party": "receiving", "comment": "DRT-EU-101 is full"},
        headers=referent(h, "ECO"),
    )
    assert rejected.json()["status"] == "rejected"
    [event] = await events_of(h, "agreements.learning_agreement.rejected.v1")
    assert (event.data["comment"], event.data["rejected_by_party"]) == ("DRT-EU-101 is full", "receiving")
    again = await h.client.post(
        f"{la_url(mid)}/versions", json={"kind": "first_version", "components": first}, headers=student(h)
    )
    assert again.status_code == 201
    assert again.json()["number"] == 2


async def test_changes_during_the_mobility_apply_to_the_agreed_tables(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    await publish_courses(h)
    mobility, _ = await accepted_file(h)
    mid = mobility["id"]
    await h.client.post(
        la_url(mid), json={"components": [studied("ECO-MAC-110", 6), studied("ECO-ECM-230", 5)]}, headers=student(h)
    )
    early = await h.client.post(
        f"{la_url(mid)}/versions",
        json={"kind": "changes", "components": [studied("DRT-EU-101", 6)]},
        headers=student(h),
    )
    assert early.status_code == 409  # nothing approved yet, and a draft is open
    proposal = (await h.client.post(f"{la_url(mid)}/versions/1/propose", headers=student(h))).json()["proposal_id"]
    for party, who in (("student", student(h)), ("sending", office(h)), ("receiving", office(h))):
        await _sign(h, mid, 1, proposal, party, who)

    swap = [
        {**studied("ECO-ECM-230", 5), "status": "deleted", "reason_code": "timetable-conflict"},
        {**studied("DRT-EU-101", 6), "status": "inserted", "reason_code": "substituting-deleted"},
    ]
    bad = [{**studied("HIS-NOR-150", 4), "status": "deleted", "reason_code": "not-available"}]
    wrong = await h.client.post(
        f"{la_url(mid)}/versions", json={"kind": "changes", "components": bad}, headers=student(h)
    )
    assert wrong.status_code == 422
    assert wrong.json()["type"] == "urn:smile:problem:invalid-change"
    change = await h.client.post(
        f"{la_url(mid)}/versions", json={"kind": "changes", "components": swap}, headers=student(h)
    )
    assert change.status_code == 201, change.text
    proposal = (await h.client.post(f"{la_url(mid)}/versions/2/propose", headers=student(h))).json()["proposal_id"]
    for party, who in (("student", student(h)), ("sending", office(h)), ("receiving", office(h))):
        signed = await _sign(h, mid, 2, proposal, party, who)
    assert signed.json()["status"] == "approved"
    la = await _la(h, mid)
    assert sorted(c["code"] for c in la["current_components"]) == ["DRT-EU-101", "ECO-MAC-110"]
    approved = await events_of(h, "agreements.learning_agreement.approved.v1")
    assert approved[-1].data["kind"] == "changes"
    assert sorted(c["code"] for c in approved[-1].data["components"]) == ["DRT-EU-101", "ECO-MAC-110"]
