"""Between the tables, the v7 content model, the gateway's events and our own event payloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from smile_agreements.iias.content import (
    Contact,
    CooperationCondition,
    CooperationType,
    IiaContent,
    IiaPartner,
    LanguageSkill,
    SubjectArea,
)
from smile_agreements.iias.models import Iia, IiaCondition
from smile_agreements.partners.models import PartnerInstitution
from smile_common.events.payloads import agreements as events
from smile_common.events.payloads import ewp

__all__ = [
    "apply_condition",
    "content_from_received",
    "content_of",
    "dump_contact",
    "event_payload",
    "load_contact",
]

E = TypeVar("E", bound=events._IiaEvent)


def dump_contact(contact: Contact | None) -> dict[str, Any] | None:
    return None if contact is None else contact.model_dump(mode="json", exclude_none=True)


def load_contact(data: dict[str, Any] | None) -> Contact | None:
    return None if data is None else Contact.model_validate(data)


def _contacts(items: list[dict[str, Any]]) -> list[Contact]:
    return [Contact.model_validate(item) for item in items]


def condition_of(row: IiaCondition) -> CooperationCondition:
    return CooperationCondition(
        id=row.id,
        type=CooperationType(row.type),
        sending_hei_id=row.sending_hei_id,
        sending_ounit_id=row.sending_ounit_id,
        sending_contacts=_contacts(row.sending_contacts),
        receiving_hei_id=row.receiving_hei_id,
        receiving_ounit_id=row.receiving_ounit_id,
        receiving_contacts=_contacts(row.receiving_contacts),
        receiving_first_academic_year_id=row.first_academic_year,
        receiving_last_academic_year_id=row.last_academic_year,
        mobilities_per_year=row.mobilities_per_year,
        mobilities_per_year_not_yet_defined=row.mobilities_per_year_not_yet_defined,
        recommended_language_skills=[LanguageSkill.model_validate(s) for s in row.language_skills],
        subject_areas=[SubjectArea.model_validate(a) for a in row.subject_areas],
        other_info_terms=row.other_info_terms,
        total_months_per_year=row.total_months_per_year,
        blended=row.blended,
        eqf_levels=list(row.eqf_levels),
        total_days_per_year=row.total_days_per_year,
    )


def apply_condition(row: IiaCondition, condition: CooperationCondition, position: int) -> None:
    row.position = position
    row.type = condition.type.value
    row.sending_hei_id = condition.sending_hei_id
    row.sending_ounit_id = condition.sending_ounit_id
    row.receiving_hei_id = condition.receiving_hei_id
    row.receiving_ounit_id = condition.receiving_ounit_id
    row.first_academic_year = condition.receiving_first_academic_year_id
    row.last_academic_year = condition.receiving_last_academic_year_id
    row.mobilities_per_year = condition.mobilities_per_year
    row.mobilities_per_year_not_yet_defined = condition.mobilities_per_year_not_yet_defined
    row.total_months_per_year = condition.total_months_per_year
    row.total_days_per_year = condition.total_days_per_year
    row.blended = condition.blended
    row.eqf_levels = list(condition.eqf_levels)
    row.subject_areas = [a.model_dump(mode="json", exclude_none=True) for a in condition.subject_areas]
    row.language_skills = [s.model_dump(mode="json", exclude_none=True) for s in condition.recommended_language_skills]
    row.other_info_terms = condition.other_info_terms
    row.sending_contacts = [c.model_dump(mode="json", exclude_none=True) for c in condition.sending_contacts]
    row.receiving_contacts = [c.model_dump(mode="json", exclude_none=True) for c in condition.receiving_contacts]


def content_of(iia: Iia, conditions: list[IiaCondition]) -> IiaContent:
    """SMILE's copy as v7 content: our university first, with our id and code."""
    local = IiaPartner(
        hei_id=iia.tenant,
        ounit_id=iia.local_ounit_id,
        iia_id=str(iia.id),
        iia_code=iia.code,
        signing_contact=load_contact(iia.local_signing_contact),
        signing_date=iia.local_signing_date,
        contacts=_contacts(iia.local_contacts),
    )
    partner = IiaPartner(
        hei_id=iia.partner_hei_id,
        ounit_id=iia.partner_ounit_id,
        iia_id=iia.partner_iia_id,
        iia_code=iia.partner_iia_code,
        signing_contact=load_contact(iia.partner_signing_contact),
        signing_date=iia.partner_signing_date,
        contacts=_contacts(iia.partner_contacts),
    )
    ordered = sorted(conditions, key=lambda c: c.position)
    return IiaContent(
        partners=[local, partner],
        in_effect=iia.in_effect,
        terminated_as_a_whole=iia.terminated_as_a_whole,
        cooperation_conditions=[condition_of(c) for c in ordered],
        pdf_file=iia.pdf_file,
    )


# --- the gateway's view of a partner's copy ------------------------------------------------------


def _ewp_contact(contact: ewp.EwpContact | None) -> Contact | None:
    if contact is None:
        return None
    return Contact(
        name=contact.name,
        given_names=contact.given_names,
        family_name=contact.family_name,
        emails=list(contact.emails),
        phones=list(contact.phones),
        role_description=contact.role_description,
    )


def _ewp_partner(partner: ewp.IiaPartner) -> IiaPartner:
    return IiaPartner(
        hei_id=partner.hei_id,
        ounit_id=partner.ounit_id,
        iia_id=partner.iia_id,
        iia_code=partner.iia_code,
        signing_contact=_ewp_contact(partner.signing_contact),
        signing_date=partner.signing_date,
        contacts=[c for c in map(_ewp_contact, partner.contacts) if c is not None],
    )


def _number(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value))


def _ewp_condition(spec: ewp.MobilitySpec) -> CooperationCondition:
    return CooperationCondition.model_validate(
        {
            "type": CooperationType(spec.kind.replace("-", "_")),
            "sending_hei_id": spec.sending_hei_id,
            "sending_ounit_id": spec.sending_ounit_id,
            "sending_contacts": [c for c in map(_ewp_contact, spec.sending_contacts) if c is not None],
            "receiving_hei_id": spec.receiving_hei_id,
            "receiving_ounit_id": spec.receiving_ounit_id,
            "receiving_contacts": [c for c in map(_ewp_contact, spec.receiving_contacts) if c is not None],
            "receiving_first_academic_year_id": spec.receiving_first_academic_year_id,
            "receiving_last_academic_year_id": spec.receiving_last_academic_year_id,
            "mobilities_per_year": spec.mobilities_per_year,
            "mobilities_per_year_not_yet_defined": spec.mobilities_per_year is None,
            "recommended_language_skills": [
                {
                    "language": s.language,
                    "cefr_level": s.cefr_level,
                    "subject_area": s.subject_area.model_dump() if s.subject_area else None,
                    "not_yet_defined": s.not_yet_defined,
                }
                for s in spec.recommended_language_skills
            ],
            "subject_areas": [a.model_dump() for a in spec.subject_areas],
            "other_info_terms": spec.other_info_terms,
            "total_months_per_year": _number(spec.total_months_per_year),
            "blended": spec.blended,
            "eqf_levels": list(spec.eqf_levels),
            "total_days_per_year": _number(spec.total_days_per_year),
        }
    )


def content_from_received(received: ewp.IiaReceived) -> IiaContent:
    """The partner's copy as the v7 content model (partner first). Raises ``ValueError`` when the copy
    breaks v7 rules (then it is kept as received, with the problems, and cannot be approved)."""
    return IiaContent(
        partners=[_ewp_partner(p) for p in received.partners],
        in_effect=received.in_effect,
        terminated_as_a_whole=received.terminated_as_a_whole,
        cooperation_conditions=[_ewp_condition(s) for s in received.cooperation_conditions],
        pdf_file=received.pdf_file_id,
    )


# --- our events ------------------------------------------------------------------------------------


def _summary(condition: CooperationCondition, local_hei: str) -> events.CooperationConditionSummary:
    assert condition.id is not None
    return events.CooperationConditionSummary(
        cooperation_condition_id=condition.id,
        type=condition.type,
        direction="outgoing" if condition.sending_hei_id == local_hei else "incoming",
        sending_hei_id=condition.sending_hei_id,
        sending_ounit_id=condition.sending_ounit_id,
        receiving_hei_id=condition.receiving_hei_id,
        receiving_ounit_id=condition.receiving_ounit_id,
        first_academic_year=condition.receiving_first_academic_year_id,
        last_academic_year=condition.receiving_last_academic_year_id,
        mobilities_per_year=None if condition.mobilities_per_year_not_yet_defined else condition.mobilities_per_year,
        total_months_per_year=condition.total_months_per_year,
        total_days_per_year=condition.total_days_per_year,
        blended=condition.blended,
        isced_f_codes=[a.isced_f_code for a in condition.subject_areas],
        eqf_levels=list(condition.eqf_levels),
        language_skills=[
            events.LanguageSkillSummary(
                language=s.language,
                cefr_level=s.cefr_level,
                isced_f_code=s.subject_area.isced_f_code if s.subject_area else None,
            )
            for s in condition.recommended_language_skills
        ],
    )


def partner_name(partner: PartnerInstitution | None) -> str | None:
    if partner is None or not partner.names:
        return None
    return partner.names.get("en") or next(iter(partner.names.values()))


def event_payload(
    event: type[E],
    iia: Iia,
    content: IiaContent,
    partner: PartnerInstitution | None,
    actor: str,
    **extra: Any,
) -> E:
    conditions = content.cooperation_conditions
    years = sorted(conditions, key=lambda c: c.receiving_first_academic_year_id)
    lasts = sorted(conditions, key=lambda c: c.receiving_last_academic_year_id)
    return event.model_validate(
        {
            "iia_id": iia.id,
            "iia_code": iia.code,
            "version": iia.version,
            "status": iia.status,
            "shared": iia.state in ("shared", "terminated"),
            "in_effect": iia.in_effect,
            "local_hei_id": iia.tenant,
            "local_ounit_id": iia.local_ounit_id,
            "partner_hei_id": iia.partner_hei_id,
            "partner_ounit_id": iia.partner_ounit_id,
            "partner_name": partner_name(partner),
            "partner_country": partner.country if partner else None,
            "partner_iia_id": iia.partner_iia_id,
            "partner_iia_code": iia.partner_iia_code,
            "iia_hash": iia.iia_hash,
            "approved_by_us": iia.approved_by_us,
            "approved_by_partner": iia.approved_by_partner,
            "first_academic_year": years[0].receiving_first_academic_year_id if years else None,
            "last_academic_year": lasts[-1].receiving_last_academic_year_id if lasts else None,
            "conditions": [_summary(c, iia.tenant) for c in conditions],
            "changed_by": actor,
            "changed_at": iia.updated_at,
            **extra,
        }
    )
