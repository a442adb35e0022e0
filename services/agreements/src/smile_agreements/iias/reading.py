"""Read models of IIAs (for people, and for the EWP gateway)."""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.content import Contact
from smile_agreements.iias.convert import partner_name
from smile_agreements.iias.core import Loaded
from smile_agreements.iias.ewpxml import format_number, render_iia
from smile_agreements.iias.models import Iia, IiaApproval, IiaCondition, PartnerCopy
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.schemas import (
    ApprovalRead,
    ApprovalSummary,
    IiaListItem,
    IiaRead,
    PartnerCopyRead,
    PartnerCopySummary,
    Termination,
)
from smile_common.events.payloads.agreements import IiaStatus

__all__ = ["approval_read", "copy_read", "ewp_item", "iia_read", "list_item"]


def _holds(approval: IiaApproval, loaded: Loaded) -> bool:
    iia, copy = loaded.iia, loaded.copy
    if approval.side == "partner":
        return approval.approved_hash == iia.iia_hash
    if approval.target == "own":
        return copy is None and approval.approved_hash == iia.iia_hash
    return copy is not None and copy.deleted_at is None and approval.approved_hash == copy.iia_hash


def approval_summary(approval: IiaApproval, loaded: Loaded) -> ApprovalSummary:
    return ApprovalSummary.model_validate(
        {
            **{f: getattr(approval, f) for f in ApprovalSummary.model_fields if f != "holds"},
            "holds": _holds(approval, loaded),
        }
    )


def approval_read(approval: IiaApproval, loaded: Loaded) -> ApprovalRead:
    summary = approval_summary(approval, loaded)
    return ApprovalRead(**summary.model_dump(), snapshot=approval.snapshot, snapshot_xml=approval.snapshot_xml)


def copy_summary(copy: PartnerCopy) -> PartnerCopySummary:
    return PartnerCopySummary.model_validate({f: getattr(copy, f) for f in PartnerCopySummary.model_fields})


def copy_read(copy: PartnerCopy) -> PartnerCopyRead:
    return PartnerCopyRead.model_validate({f: getattr(copy, f) for f in PartnerCopyRead.model_fields})


async def iia_read(session: AsyncSession, loaded: Loaded) -> IiaRead:
    iia = loaded.iia
    content = loaded.content
    approvals = await IiaRepository(session).approvals(iia.tenant, iia.id)
    termination = None
    if iia.termination_mode and iia.terminated_by and iia.terminated_at:
        termination = Termination(
            mode=iia.termination_mode,
            reason=iia.termination_reason,
            terminated_by=iia.terminated_by,
            terminated_at=iia.terminated_at,
        )
    return IiaRead(
        id=iia.id,
        code=iia.code,
        status=IiaStatus(iia.status),
        shared=iia.state in ("shared", "terminated"),
        version=iia.version,
        iia_hash=iia.iia_hash,
        in_effect=iia.in_effect,
        terminated_as_a_whole=iia.terminated_as_a_whole,
        approved_by_us=iia.approved_by_us,
        approved_by_partner=iia.approved_by_partner,
        partner_hei_id=iia.partner_hei_id,
        partner_name=partner_name(loaded.partner),
        partner_country=loaded.partner.country if loaded.partner else None,
        partners=content.partners,
        cooperation_conditions=content.cooperation_conditions,
        pdf_file=iia.pdf_file,
        partner_copy=copy_summary(loaded.copy) if loaded.copy else None,
        approvals=[approval_summary(a, loaded) for a in approvals],
        termination=termination,
        source=iia.source,
        created_by=iia.created_by,
        created_at=iia.created_at,
        updated_by=iia.updated_by,
        updated_at=iia.updated_at,
        shared_at=iia.shared_at,
        modified_at=iia.modified_at,
    )


def list_item(iia: Iia, conditions: list[IiaCondition]) -> IiaListItem:
    return IiaListItem(
        id=iia.id,
        code=iia.code,
        status=IiaStatus(iia.status),
        version=iia.version,
        partner_hei_id=iia.partner_hei_id,
        partner_iia_id=iia.partner_iia_id,
        partner_iia_code=iia.partner_iia_code,
        approved_by_us=iia.approved_by_us,
        approved_by_partner=iia.approved_by_partner,
        in_effect=iia.in_effect,
        first_academic_year=min((c.first_academic_year for c in conditions), default=None),
        last_academic_year=max((c.last_academic_year for c in conditions), default=None),
        conditions=len(conditions),
        updated_at=iia.updated_at,
    )


# --- what the EWP gateway serves --------------------------------------------------------------------


def _contact(contact: Contact | None) -> dict[str, Any] | None:
    return None if contact is None else contact.model_dump(mode="json", exclude_none=True)


def _number(value: Any) -> int | float | None:
    if value is None:
        return None
    text = format_number(value)
    return int(text) if "." not in text else float(text)


def ewp_item(loaded: Loaded, approvals: list[IiaApproval]) -> dict[str, Any]:
    """One IIA as the gateway asked for it (``GET /internal/ewp/iias``), with ``ewp_xml`` rendered by us."""
    iia = loaded.iia
    content = loaded.content
    local, partner = content.partners
    element, digest = render_iia(content)
    local_approvals = [a for a in approvals if a.side == "local" and a.target == "partner"]
    partner_approvals = [a for a in approvals if a.side == "partner" and a.approved_hash == iia.iia_hash]
    conditions = []
    for condition in content.in_schema_order().cooperation_conditions:
        data = condition.model_dump(mode="json", exclude={"id", "type"})
        data["cooperation_condition_id"] = str(condition.id)
        data["kind"] = condition.type.value.replace("_", "-")
        data["total_months_per_year"] = _number(condition.total_months_per_year)
        data["total_days_per_year"] = _number(condition.total_days_per_year)
        conditions.append(data)
    return {
        "iia_id": str(iia.id),
        "iia_code": iia.code,
        "partner_hei_id": iia.partner_hei_id,
        "partner_iia_id": iia.partner_iia_id,
        "partner_iia_code": iia.partner_iia_code,
        "local_ounit_id": iia.local_ounit_id,
        "partner_ounit_id": iia.partner_ounit_id,
        "local_signing": {"contact": _contact(local.signing_contact), "date": local.signing_date}
        if local.signing_contact or local.signing_date
        else None,
        "partner_signing": {"contact": _contact(partner.signing_contact), "date": partner.signing_date}
        if partner.signing_contact or partner.signing_date
        else None,
        "local_contacts": [_contact(c) for c in local.contacts],
        "partner_contacts": [_contact(c) for c in partner.contacts],
        "in_effect": iia.in_effect,
        "terminated_as_a_whole": iia.terminated_as_a_whole,
        "cooperation_conditions": conditions,
        "pdf_file_id": iia.pdf_file,
        "modified_at": iia.modified_at,
        "status": iia.status,
        "version": iia.version,
        "iia_hash": digest.iia_hash,
        "ewp_xml": etree.tostring(element, encoding="unicode"),
        "local_approval": {
            "partner_iia_hash": local_approvals[-1].approved_hash,
            "approved_at": local_approvals[-1].approved_at,
        }
        if local_approvals
        else None,
        "partner_approval": {
            "iia_hash": partner_approvals[-1].approved_hash,
            "approved_at": partner_approvals[-1].approved_at,
        }
        if partner_approvals
        else None,
    }
