"""Rules SMILE applies when its own copy is written: the local university first, a known partner, no
ambiguous or duplicate conditions, no condition removed while nominations point to it."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.content import CooperationCondition, IiaContent, academic_year_start
from smile_agreements.iias.models import IiaCondition
from smile_agreements.iias.quotas import nominations_by_condition
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.schemas import IiaWrite
from smile_agreements.partners.models import PartnerInstitution
from smile_agreements.partners.service import ensure_partner
from smile_common.errors import Conflict, Problem, UnprocessableEntity

__all__ = [
    "check_overlaps",
    "check_removable",
    "content_for_write",
    "invalid",
    "known_partner",
]


class UnknownPartner(Problem):
    status, slug, title = 422, "unknown-partner", "The partner institution is unknown"


class OverlappingIia(Conflict):
    slug, title = "overlapping-iia", "Another IIA with this partner covers the same academic years"


class ConditionInUse(Conflict):
    slug, title = "condition-in-use", "Nominations point to this cooperation condition"


def invalid(exc: ValidationError | ValueError, where: str = "") -> UnprocessableEntity:
    if isinstance(exc, ValidationError):
        errors = [
            {"loc": [where, *e["loc"]] if where else list(e["loc"]), "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" if e["loc"] else str(e["msg"]) for e in errors)
        return UnprocessableEntity(detail, errors=errors)
    return UnprocessableEntity(f"{where}: {exc}" if where else str(exc))


def content_for_write(tenant: str, data: IiaWrite, iia_id: uuid.UUID, *, in_effect: bool = False) -> IiaContent:
    """Our copy from what the user sent, checked against v7."""
    local, partner = data.partners
    if local.hei_id != tenant:
        raise Problem(
            f"partners[0] must be your own university ({tenant}); the partner institution comes second.",
            status=422,
            slug="local-partner-first",
            title="The local university must be the first partner",
        )
    if local.iia_id is not None and local.iia_id != str(iia_id):
        raise UnprocessableEntity(f"partners[0].iia_id is given by SMILE ({iia_id}); leave it out.")
    if not local.iia_code:
        raise UnprocessableEntity("partners[0].iia_code, your agreement number, is required.")
    try:
        return IiaContent(
            partners=[local.model_copy(update={"iia_id": str(iia_id)}), partner],
            in_effect=in_effect,
            cooperation_conditions=data.cooperation_conditions,
            pdf_file=data.pdf_file,
        )
    except ValidationError as exc:
        raise invalid(exc) from exc


async def known_partner(
    session: AsyncSession, tenant: str, hei_id: str, *, actor: str, create: bool = False
) -> PartnerInstitution:
    partner = await ensure_partner(session, tenant, hei_id, actor=actor, source="iia", create=create)
    if partner is None:
        raise UnknownPartner(
            f"{hei_id} is neither a partner institution of {tenant} nor in the EWP registry as SMILE knows it: "
            "add it to the partners first.",
            hei_id=hei_id,
        )
    return partner


def _years(condition: CooperationCondition) -> tuple[int, int]:
    return (
        academic_year_start(condition.receiving_first_academic_year_id),
        academic_year_start(condition.receiving_last_academic_year_id),
    )


def _ambiguous(a: CooperationCondition, b: CooperationCondition) -> bool:
    same_flow = (a.type, a.sending_hei_id, a.sending_ounit_id, a.receiving_hei_id, a.receiving_ounit_id) == (
        b.type,
        b.sending_hei_id,
        b.sending_ounit_id,
        b.receiving_hei_id,
        b.receiving_ounit_id,
    )
    (a1, a2), (b1, b2) = _years(a), _years(b)
    if not same_flow or a2 < b1 or b2 < a1:
        return False
    codes_a, codes_b = {s.isced_f_code for s in a.subject_areas}, {s.isced_f_code for s in b.subject_areas}
    eqf_a, eqf_b = set(a.eqf_levels), set(b.eqf_levels)
    codes_meet = not codes_a or not codes_b or bool(codes_a & codes_b)
    levels_meet = not eqf_a or not eqf_b or bool(eqf_a & eqf_b)
    return codes_meet and levels_meet


def check_overlaps(content: IiaContent) -> None:
    """Two conditions of the same kind, direction and units whose academic years overlap must differ in
    subject areas or EQF levels, else a nomination could not tell which quota it counts against."""
    conditions = content.cooperation_conditions
    for (i, a), (j, b) in itertools.combinations(enumerate(conditions, start=1), 2):
        if _ambiguous(a, b):
            raise Problem(
                f"Cooperation conditions {i} and {j} are the same flow ({a.type.value}, {a.sending_hei_id} to "
                f"{a.receiving_hei_id}) over overlapping academic years with the same subject areas and levels: "
                "merge them or make the years follow each other.",
                status=422,
                slug="overlapping-academic-years",
                title="Overlapping academic years",
                conditions=[i, j],
            )


def _span(content: IiaContent) -> tuple[int, int]:
    spans = [_years(c) for c in content.cooperation_conditions]
    return min(s[0] for s in spans), max(s[1] for s in spans)


async def check_no_duplicate(
    session: AsyncSession, tenant: str, content: IiaContent, *, besides: uuid.UUID | None = None
) -> None:
    """One IIA per pair of institutions (and units) for a given period: a second one is a duplicate."""
    first, last = _span(content)
    for other in await IiaRepository(session).with_partner(tenant, content.other.hei_id):
        if other.id == besides:
            continue
        if (other.local_ounit_id, other.partner_ounit_id) != (content.owner.ounit_id, content.other.ounit_id):
            continue
        rows = await IiaRepository(session).conditions(tenant, other.id)
        if not rows:
            continue
        o1 = min(academic_year_start(r.first_academic_year) for r in rows)
        o2 = max(academic_year_start(r.last_academic_year) for r in rows)
        if o2 >= first and last >= o1:
            raise OverlappingIia(
                f"IIA {other.code} with {other.partner_hei_id} already covers {o1}/{o1 + 1} to {o2}/{o2 + 1}: "
                "amend it, or terminate it before starting a new one.",
                iia_id=str(other.id),
                iia_code=other.code,
            )


async def check_removable(session: AsyncSession, tenant: str, removed: Sequence[IiaCondition]) -> None:
    counts = await nominations_by_condition(session, tenant, removed)
    used = sorted({str(cid) for (cid, _year), n in counts.items() if n > 0})
    if used:
        raise ConditionInUse(
            "Nominations were received for these cooperation conditions; they cannot be removed. "
            "Shorten their academic years instead.",
            cooperation_condition_ids=used,
        )
