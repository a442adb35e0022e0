"""Nominations and learning agreements from the sending partner: SMILE fetches them when notified, the
office decides, SMILE pushes the decision with the partner's ``update`` endpoints; a stale proposal
answers 409, SMILE fetches the new version and the office decides again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import sqlalchemy as sa

from smile_common.events import new_envelope
from smile_common.events.payloads import mobility as mob
from smile_common.events.payloads.ewp import LearningAgreementReceived, PartnerUpdateFailed, PartnerUpdateSucceeded
from smile_ewp_gateway.db import OutboundCall, tables
from smile_ewp_gateway.testpartner.data import LA_NS, OMOBILITY_NS, proposal_id
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml, eventually


async def _outbox_types(world: World) -> list[str]:
    outbox = tables.outbox
    async with world.harness.runtime.database.sessionmaker() as session:
        return list((await session.scalars(sa.select(outbox.c.event_type).order_by(outbox.c.seq))).all())


async def test_nomination_accepted_then_a_stale_decision_is_refused(world: World) -> None:
    partner, agreements = world.partner, world.agreements
    assert agreements is not None
    await agreements.start_worker()
    await world.harness.start_worker()
    office = agreements.headers("coordinator", hei=SMILE_HEI, sub="office-1", email="international@unicaen.fr")

    first, second = partner.add_nomination(SMILE_HEI), partner.add_nomination(SMILE_HEI)
    response = await partner.call(
        SMILE_HEI, "omobility-cnr", 2, params=[("omobility_id", first), ("omobility_id", second)]
    )
    assert response.status_code == 200
    assert_valid_xml(response)

    async def mobility(omobility_id: str) -> dict[str, Any] | None:
        items = (await agreements.client.get("/mobilities", headers=office)).json()["items"]
        return next((m for m in items if m["omobility_id"] == omobility_id), None)

    accepted = await eventually(lambda: mobility(first), what="the first nomination in agreements")
    nomination = partner.nominations[first].find(f"{{{OMOBILITY_NS}}}nomination")
    assert nomination is not None
    assert accepted["proposal_id"] == nomination.get("proposal-id")

    decision = await agreements.client.post(
        f"/mobilities/{accepted['id']}/accept", headers=office, json={"proposal_id": accepted["proposal_id"]}
    )
    assert decision.status_code == 200, decision.text

    async def approved_at_partner() -> bool:
        return partner.nominations[first].findtext(f"{{{OMOBILITY_NS}}}status") == "approved"

    await eventually(approved_at_partner, what="the approval at the partner")
    await eventually(lambda: _has(world, PartnerUpdateSucceeded.event_type), what="update succeeded event")

    # the partner changes the second nomination without telling SMILE; SMILE's decision is then stale
    stale = await eventually(lambda: mobility(second), what="the second nomination")
    changed = partner.nominations[second].find(f"{{{OMOBILITY_NS}}}nomination")
    assert changed is not None
    changed.find(f"{{{OMOBILITY_NS}}}eqf-level-studied-at-departure").text = "7"  # type: ignore[union-attr]
    changed.set("proposal-id", proposal_id(changed))
    refused = await agreements.client.post(
        f"/mobilities/{stale['id']}/reject",
        headers=office,
        json={"proposal_id": stale["proposal_id"], "reason": "No places left."},
    )
    assert refused.status_code == 200, refused.text
    await eventually(lambda: _has(world, PartnerUpdateFailed.event_type), what="the failed update event")
    async with world.harness.runtime.database.sessionmaker() as session:
        row = await session.scalar(sa.select(OutboundCall).where(OutboundCall.entity_id == second))
    assert row is not None
    assert (row.status, row.last_status) == ("failed", 409)

    async def refreshed() -> bool:
        current = await mobility(second)
        return bool(current and current["proposal_id"] == changed.get("proposal-id"))

    await eventually(refreshed, what="the new version fetched after the conflict")


async def _has(world: World, event_type: str) -> bool:
    return event_type in await _outbox_types(world)


async def test_learning_agreement_fetched_then_signed_through_update(world: World) -> None:
    partner = world.partner
    await world.harness.start_worker()
    omobility_id = partner.add_la(SMILE_HEI, str(uuid4()))
    response = await partner.call(
        SMILE_HEI, "omobility-la-cnr", 1, params=[("sending_hei_id", partner.hei_id), ("omobility_id", omobility_id)]
    )
    assert response.status_code == 200
    await eventually(lambda: _has(world, LearningAgreementReceived.event_type), what="the LA received event")
    outbox = tables.outbox
    async with world.harness.runtime.database.sessionmaker() as session:
        envelope = await session.scalar(
            sa.select(outbox.c.envelope).where(outbox.c.event_type == LearningAgreementReceived.event_type)
        )
    received = LearningAgreementReceived.model_validate(envelope["data"])
    assert received.changes_proposal_id == "59B15BAF222F868493C167125FA32452E946"
    assert [c.title for c in received.first_version.components_studied] == ["Introductory calculus"]  # type: ignore[union-attr]

    # agreements signs the proposal as the receiving institution: the gateway pushes approve-proposal-v1
    approved = mob.LearningAgreementApproved(
        learning_agreement_id=uuid4(),
        mobility_id=uuid4(),
        omobility_id=omobility_id,
        sending_hei_id=partner.hei_id,
        receiving_hei_id=SMILE_HEI,
        source="ewp",
        version=2,
        kind="changes",
        proposal_id=received.changes_proposal_id or "",
        changed_by="referent-1",
        changed_at=datetime.now(UTC),
        components=[],
        receiving_signature=mob.LaSignature(signer_name="Claire Martin", timestamp=datetime.now(UTC)),
    )
    await world.harness.runtime.bus.publish([new_envelope(approved, source="/smile/agreements", tenant=SMILE_HEI)])

    async def signed_at_partner() -> bool:
        la = partner.las[omobility_id]
        return la.find(f"{{{LA_NS}}}changes-proposal") is None and bool(
            la.findtext(f"{{{LA_NS}}}approved-changes/{{{LA_NS}}}receiving-hei-signature/{{{LA_NS}}}signer-name")
        )

    await eventually(signed_at_partner, what="the receiving signature at the partner")
    update = next(r for r in partner.received if r.api == "omobility-las-update")
    assert b"approve-proposal-v1" in update.body


async def test_a_version_the_partner_approved_itself_is_not_pushed_back(world: World) -> None:
    await world.harness.start_worker()
    echoed = mob.LearningAgreementApproved(
        learning_agreement_id=uuid4(),
        mobility_id=uuid4(),
        omobility_id="m-1",
        sending_hei_id=world.partner.hei_id,
        receiving_hei_id=SMILE_HEI,
        source="ewp",
        version=1,
        kind="first_version",
        proposal_id="P-1",
        changed_by=f"ewp:{world.partner.hei_id}",
        changed_at=datetime.now(UTC),
        components=[],
        receiving_signature=mob.LaSignature(signer_name="Paweł Kowalski", timestamp=datetime.now(UTC)),
    )
    ours = echoed.model_copy(update={"omobility_id": "m-2", "changed_by": "referent-1"})
    await world.harness.runtime.bus.publish(
        [new_envelope(p, source="/smile/agreements", tenant=SMILE_HEI) for p in (echoed, ours)]
    )

    async def queued() -> list[str]:
        async with world.harness.runtime.database.sessionmaker() as session:
            return list((await session.scalars(sa.select(OutboundCall.entity_id))).all())

    assert await eventually(queued, what="the queued update") == ["m-2"]
