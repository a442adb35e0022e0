"""Learning agreements that the sending institution masters in EWP: SMILE signs or comments them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smile_agreements.definition import DEFINITION
from smile_common.events.payloads import ewp

from .helpers import events_of, office, publish, referent, student, wait_for
from .la_helpers import la_url, publish_courses
from .test_ewp_nominations import received

SENT = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)


def _sig(name: str | None = None) -> ewp.LaSignature:
    return ewp.LaSignature(signer_name=name, timestamp=SENT, signer_app="Dashboard")


def partner_la(course_id: str, *, proposal: str = "59B15BAF", at: datetime = SENT) -> ewp.LearningAgreementReceived:
    studied = [
        ewp.LaComponent(los_id=f"CR/{course_id}", los_code="ECO-MAC-110", title="Macroeconomics", term_number=1,
                        total_terms=2, credits=[ewp.LaCredit(scheme="ects", value=6)]),
        ewp.LaComponent(title="Introductory calculus", term_number=1, total_terms=2,
                        credits=[ewp.LaCredit(scheme="ects", value=9)]),
    ]  # fmt: skip
    part = ewp.LaComponentList(
        components_studied=studied,
        components_recognized=[ewp.LaComponent(title="Calculus", credits=[ewp.LaCredit(scheme="ects", value=15)])],
        student_signature=_sig(),
        sending_hei_signature=_sig("Anders Bardal"),
    )
    institution = {"contact_given_names": "Anders", "contact_family_name": "Bardal", "contact_email": "a@uio.no"}
    return ewp.LearningAgreementReceived(
        omobility_id="c442c289-5541-4cae-9edb-8ad83e133613",
        sending_hei=ewp.LaInstitution(hei_id="uio.no", **institution),
        receiving_hei=ewp.LaInstitution(hei_id="unicaen.fr", **institution),
        receiving_academic_year_id="2026/2027",
        student=ewp.LaStudent(family_name="Sidorov"),
        start="2026-09",
        end="2027-01",
        eqf_level_studied_at_departure=6,
        isced_f_code="0311",
        language="fr",
        cefr_level="B2",
        changes_proposal=part,
        changes_proposal_id=proposal,
        received_at=at,
    )


async def _versions(h, mid: str):  # type: ignore[no-untyped-def]
    response = await h.client.get(la_url(mid), headers=office(h))
    return response.json()["versions"] if response.status_code == 200 else None


async def test_the_receiving_coordinator_signs_a_partners_proposal_and_the_gateway_is_told(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    ids = await publish_courses(h)
    await publish(h, received())
    mobility = (await wait_for(lambda: _mobilities(h)))[0]
    mid = mobility["id"]
    await h.client.patch(f"/mobilities/{mid}", json={"receiving_ounit_code": "ECO"}, headers=office(h))

    await publish(h, partner_la(str(ids["ECO-MAC-110"])))
    [version] = await wait_for(lambda: _versions(h, mid))
    assert (version["status"], version["proposal_id"], version["kind"]) == ("proposed", "59B15BAF", "first_version")
    assert version["components"][0]["course_id"] == str(ids["ECO-MAC-110"])
    assert set(version["signatures"]) == {"student", "sending"}

    # drafting belongs to the sending institution; the student signs there, not here
    edit = await h.client.put(f"{la_url(mid)}/versions/1", json={"components": []}, headers=office(h))
    assert edit.status_code in (403, 422)
    as_student = {"proposal_id": "59B15BAF", "party": "student"}
    assert (
        await h.client.post(
            f"{la_url(mid)}/versions/1/sign", json=as_student, headers=student(h, email="ivan@example.com")
        )
    ).status_code == 403

    # the partner changed its proposal meanwhile: the old one can no longer be signed
    await publish(h, partner_la(str(ids["ECO-MAC-110"]), proposal="6A0C2", at=SENT + timedelta(hours=1)))
    await wait_for(lambda: _has_proposal(h, mid, "6A0C2"))
    stale = await h.client.post(
        f"{la_url(mid)}/versions/1/sign", json={"proposal_id": "59B15BAF", "party": "receiving"}, headers=office(h)
    )
    assert stale.status_code == 409
    signed = await h.client.post(
        f"{la_url(mid)}/versions/2/sign",
        json={"proposal_id": "6A0C2", "party": "receiving", "signer_name": "Paul Leroy", "signer_position": "Referent"},
        headers=referent(h, "ECO"),
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "approved"
    [event] = await events_of(h, "agreements.learning_agreement.approved.v1")
    assert (event.data["source"], event.data["proposal_id"], event.data["sending_hei_id"]) == ("ewp", "6A0C2", "uio.no")
    assert event.data["omobility_id"] == "c442c289-5541-4cae-9edb-8ad83e133613"
    assert event.data["receiving_signature"]["signer_name"] == "Paul Leroy"
    assert await _stats(h) == [
        {"receiving_academic_year_id": "2026/2027", "total": 1, "some_version_approved": 1,
         "latest_version_approved": 1, "latest_version_rejected": 0, "latest_version_awaiting": 0},
    ]  # fmt: skip


async def test_a_comment_on_a_partners_proposal_goes_back_as_a_rejection(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    ids = await publish_courses(h)
    await publish(h, received())
    mid = (await wait_for(lambda: _mobilities(h)))[0]["id"]
    await publish(h, partner_la(str(ids["ECO-MAC-110"])))
    await wait_for(lambda: _versions(h, mid))
    await publish(h, partner_la(str(ids["ECO-MAC-110"]), at=SENT - timedelta(days=1), proposal="OLD"))  # late copy
    commented = await h.client.post(
        f"{la_url(mid)}/versions/1/reject",
        json={"proposal_id": "59B15BAF", "party": "receiving", "comment": "Introductory calculus is not taught here"},
        headers=office(h),
    )
    assert commented.json()["status"] == "rejected"
    [event] = await events_of(h, "agreements.learning_agreement.rejected.v1")
    assert event.data["source"] == "ewp"
    assert event.data["comment"] == "Introductory calculus is not taught here"
    await h.drain()
    assert len(await _versions(h, mid)) == 1
    [stats] = await _stats(h)
    assert (stats["total"], stats["latest_version_rejected"], stats["some_version_approved"]) == (1, 1, 0)


async def _stats(h):  # type: ignore[no-untyped-def]
    service = {**h.headers("service", hei="*"), "X-Smile-Tenant": "unicaen.fr"}
    response = await h.client.get("/internal/ewp/la-stats", headers=service)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _mobilities(h):  # type: ignore[no-untyped-def]
    return (await h.client.get("/mobilities", headers=office(h))).json()["items"]


async def _has_proposal(h, mid: str, proposal: str) -> bool:  # type: ignore[no-untyped-def]
    return any(v["proposal_id"] == proposal for v in (await _versions(h, mid)) or [])


async def test_a_signature_the_partner_refused_no_longer_stands(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    ids = await publish_courses(h)
    await publish(h, received())
    mid = (await wait_for(lambda: _mobilities(h)))[0]["id"]
    await publish(h, partner_la(str(ids["ECO-MAC-110"])))
    await wait_for(lambda: _versions(h, mid))
    body = {"proposal_id": "59B15BAF", "party": "receiving"}
    assert (await h.client.post(f"{la_url(mid)}/versions/1/sign", json=body, headers=office(h))).status_code == 200
    await publish(
        h,
        ewp.PartnerUpdateFailed(
            kind="la-approve", omobility_id="c442c289-5541-4cae-9edb-8ad83e133613", sending_hei_id="uio.no",
            proposal_id="59B15BAF", http_status=409, reason="changes proposal changed", at=SENT,
        ),
    )  # fmt: skip
    [version] = await wait_for(lambda: _superseded(h, mid))
    assert version["number"] == 1
    la = (await h.client.get(la_url(mid), headers=office(h))).json()
    assert la["current_components"] == []  # nothing approved stands any more


async def _superseded(h, mid: str):  # type: ignore[no-untyped-def]
    return [v for v in (await _versions(h, mid)) or [] if v["status"] == "superseded"]
