"""Demo data: European partners of the Université de Caen Normandie and a few dozen IIAs in every state,
built through the same code paths as real use (registry news, partner copies and approvals included)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias import approvals, service
from smile_agreements.iias.content import IiaContent
from smile_agreements.iias.core import load
from smile_agreements.iias.demo_data import DEMO_HEI, FIELDS, PARTNERS, STATES
from smile_agreements.iias.ewpxml import render_iia
from smile_agreements.iias.models import Iia
from smile_agreements.iias.partner_copies import receive_partner_copy
from smile_agreements.iias.schemas import ApproveRequest, IiaCreate, PartnerApprovalRecord, TerminateRequest
from smile_agreements.partners.schemas import PartnerCreate
from smile_agreements.partners.service import apply_registry, create_partner
from smile_common.audit import Actor, act_as
from smile_common.events.payloads.ewp import IiaApprovalReceived, IiaReceived, InstitutionUpdated
from smile_common.security import Principal, Role
from smile_common.service import Runtime

__all__ = ["DEMO_HEI", "seed_iias"]

ACTOR = "demo-seed"


def _language(country: str) -> str:
    return {"AT": "de", "DE": "de", "ES": "es", "IT": "it", "PT": "pt", "BE": "nl"}.get(country, "en")


def _conditions(hei_id: str, country: str, index: int) -> list[dict[str, Any]]:
    code, field = FIELDS[index % len(FIELDS)]
    partner_language = _language(country)
    first, last = ("2021/2022", "2028/2029") if index % 3 else ("2024/2025", "2029/2030")
    studies = {
        "receiving_first_academic_year_id": first,
        "receiving_last_academic_year_id": last,
        "subject_areas": [{"isced_f_code": code, "isced_clarification": field}],
        "total_months_per_year": 5 * (2 + index % 4),
        "blended": index % 5 == 0,
        "eqf_levels": [6, 7] if index % 2 else [6],
    }
    out = [
        {
            "type": "student_studies",
            "sending_hei_id": hei_id,
            "receiving_hei_id": DEMO_HEI,
            "mobilities_per_year": 2 + index % 3,
            "recommended_language_skills": [{"language": "fr", "cefr_level": "B1" if index % 2 else "B2"}],
            **studies,
        },
        {
            "type": "student_studies",
            "sending_hei_id": DEMO_HEI,
            "receiving_hei_id": hei_id,
            "mobilities_per_year": 2 + index % 3,
            "recommended_language_skills": [{"language": partner_language, "cefr_level": "B1"}],
            **studies,
        },
    ]
    if index % 4 == 0:
        for sending, receiving, language in ((hei_id, DEMO_HEI, "fr"), (DEMO_HEI, hei_id, "en")):
            out.append(
                {
                    "type": "staff_teacher",
                    "sending_hei_id": sending,
                    "receiving_hei_id": receiving,
                    "receiving_first_academic_year_id": first,
                    "receiving_last_academic_year_id": last,
                    "mobilities_per_year": 1,
                    "recommended_language_skills": [{"language": language, "cefr_level": "B2"}],
                    "subject_areas": [{"isced_f_code": code}],
                    "total_days_per_year": 5,
                }
            )
    if index % 6 == 1:
        out.append(
            {
                "type": "student_traineeship",
                "sending_hei_id": hei_id,
                "receiving_hei_id": DEMO_HEI,
                "receiving_first_academic_year_id": first,
                "receiving_last_academic_year_id": last,
                "mobilities_per_year": 1,
                "total_months_per_year": 3,
                "blended": False,
            }
        )
    return out


def _partner_id(hei_id: str) -> str:
    return f"{hei_id.split('.')[0].upper()}-IIA-{int(hashlib.sha256(hei_id.encode()).hexdigest()[:6], 16) % 100000:05d}"


def _their_copy(content: IiaContent, partner_iia_id: str, at: datetime) -> IiaReceived:
    """The partner's copy of the same IIA, as the EWP gateway would pass it on."""
    local, partner = content.partners
    theirs = IiaContent(
        partners=[partner.model_copy(update={"iia_id": partner_iia_id, "iia_code": partner_iia_id}), local],
        in_effect=content.in_effect,
        cooperation_conditions=[c.model_copy(update={"id": None}) for c in content.cooperation_conditions],
    )
    _, digest = render_iia(theirs)
    specs = []
    for c in theirs.cooperation_conditions:
        data = c.model_dump(
            mode="json", exclude={"id", "type", "mobilities_per_year_not_yet_defined"}, exclude_none=True
        )
        data["kind"] = c.type.value.replace("_", "-")
        specs.append(data)
    return IiaReceived.model_validate(
        {
            "partner_hei_id": partner.hei_id,
            "partner_iia_id": partner_iia_id,
            "partner_iia_code": partner_iia_id,
            "local_hei_id": local.hei_id,
            "local_iia_id": local.iia_id,
            "partners": [p.model_dump(mode="json", exclude_none=True) for p in theirs.partners],
            "in_effect": theirs.in_effect,
            "cooperation_conditions": specs,
            "iia_hash": digest.iia_hash,
            "hash_verified": True,
            "valid_for_approval": True,
            "received_at": at,
        }
    )


async def _partners(session: AsyncSession, office: Principal, now: datetime) -> None:
    for hei_id, english, (lang, local_name), country, city, erasmus, on_ewp in PARTNERS:
        names = {"en": english, lang: local_name}
        if on_ewp:
            news = InstitutionUpdated(
                hei_id=hei_id,
                names=names,
                erasmus_code=erasmus,
                country=country,
                city=city,
                on_ewp=True,
                ewp_apis={"iias": "7.0.0", "iias-approval": "2.0.0", "omobilities": "3.0.0"},
                source="registry",
                observed_at=now,
            )
            await apply_registry(session, DEMO_HEI, news)
            await create_partner(session, office, PartnerCreate(hei_id=hei_id), source="registry")
        else:
            data = PartnerCreate(hei_id=hei_id, names=names, country=country, city=city, erasmus_code=erasmus)
            await create_partner(session, office, data, source="manual")


async def _one(session: AsyncSession, index: int, partner: tuple[Any, ...], state: str, now: datetime) -> None:
    hei_id, _, _, country, _, _, on_ewp = partner
    body = IiaCreate.model_validate(
        {
            "partners": [
                {
                    "hei_id": DEMO_HEI,
                    "iia_code": f"UNICAEN-E+-{country}-{index + 1:03d}",
                    "signing_contact": {
                        "name": "Présidence de l'Université de Caen Normandie",
                        "role_description": "Président",
                    },
                    "signing_date": "2021-06-15" if state.startswith(("mutual", "terminated")) else None,
                    "contacts": [
                        {
                            "name": "Direction des relations internationales",
                            "emails": ["international@unicaen.fr"],
                            "phones": ["+33231566500"],
                        }
                    ],
                },
                {"hei_id": hei_id, "contacts": [{"name": "International Office", "emails": [f"incoming@{hei_id}"]}]},
            ],
            "cooperation_conditions": _conditions(hei_id, country, index),
            "share": state != "draft",
        }
    )
    act_as(session, Actor.system("demo-seed"))
    loaded = await service.create_iia(session, DEMO_HEI, ACTOR, body)
    if state in ("draft", "shared"):
        return
    iia_id, at = loaded.iia.id, now + timedelta(minutes=index)
    if on_ewp:
        theirs = _their_copy(loaded.content, _partner_id(hei_id), at)
        await receive_partner_copy(session, DEMO_HEI, theirs)
        act_as(session, Actor.system("demo-seed"))
        loaded = await load(session, DEMO_HEI, iia_id)
        if state in ("mutual", "ours", "terminated_year", "terminated_whole"):
            approve = ApproveRequest(version=loaded.iia.version, partner_iia_hash=theirs.iia_hash)
            await approvals.approve_iia(session, DEMO_HEI, "iro-coordinator", iia_id, approve)
        if state in ("mutual", "theirs", "terminated_year", "terminated_whole"):
            approval = IiaApprovalReceived(
                partner_hei_id=hei_id,
                local_hei_id=DEMO_HEI,
                local_iia_id=str(iia_id),
                approved_hash=loaded.iia.iia_hash,
                matches_current=True,
                received_at=at,
            )
            await approvals.receive_partner_approval(session, DEMO_HEI, approval)
    else:
        await approvals.approve_iia(
            session, DEMO_HEI, "iro-coordinator", iia_id, ApproveRequest(version=loaded.iia.version)
        )
        if state != "ours":
            record = PartnerApprovalRecord(version=loaded.iia.version, signed_by=f"Rector of {hei_id}")
            await approvals.record_partner_approval(session, DEMO_HEI, "iro-coordinator", iia_id, record)
    if state.startswith("terminated"):
        loaded = await load(session, DEMO_HEI, iia_id)
        terminate = TerminateRequest.model_validate(
            {
                "version": loaded.iia.version,
                "mode": "as_a_whole" if state == "terminated_whole" else "after_academic_year",
                "last_academic_year": "2025/2026",
                "reason": "Partnership not renewed",
            }
        )
        await service.terminate_iia(session, DEMO_HEI, "iro-coordinator", iia_id, terminate)


async def seed_iias(runtime: Runtime) -> None:
    """Idempotent: nothing is done when the demo university already has IIAs."""
    office = Principal(subject=ACTOR, tenant=DEMO_HEI, roles=frozenset({Role.COORDINATOR}))
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    async with runtime.database.sessionmaker() as session, session.begin():
        act_as(session, Actor.system("demo-seed"))
        if await session.scalar(sa.select(sa.func.count()).where(Iia.tenant == DEMO_HEI)):
            return
        await _partners(session, office, now)
        for index, (partner, state) in enumerate(zip(PARTNERS, STATES, strict=True)):
            await _one(session, index, partner, state, now)
