"""IIA copies as EWP IIAs v7 XML: rendering SMILE's copy (what partners fetch and what is hashed) and
reading a copy from XML.

SMILE's hash is always computed on the XML it renders here, with the same code that hashes partners'
XML (:mod:`smile_agreements.iias.iiahash`), so the hash we announce is the hash of what we serve.
Numbers are written in their shortest form (``10``, ``7.5``) and conditions in the schema's order.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from smile_agreements.iias.content import (
    TYPE_ELEMENTS,
    Contact,
    CooperationCondition,
    IiaContent,
    IiaPartner,
    LanguageSkill,
    SubjectArea,
)
from smile_agreements.iias.iiahash import IiaHash, find_iias, hash_iia, parse_xml

__all__ = [
    "CONTACT_NS",
    "IIAS_NS",
    "format_number",
    "hash_content",
    "parse_iia",
    "render_iia",
    "render_response",
]

IIAS_NS = "https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd"
CONTACT_NS = "https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1"
PHONE_NS = "https://github.com/erasmus-without-paper/ewp-specs-types-phonenumber/tree/stable-v1"
_NSMAP = {None: IIAS_NS, "c": CONTACT_NS, "p": PHONE_NS}
_KINDS = {element: kind for kind, element in TYPE_ELEMENTS.items()}


def format_number(value: Decimal) -> str:
    """Shortest plain form: ``10.00`` -> ``10``, ``7.50`` -> ``7.5``."""
    text = format(value.normalize(), "f")
    return text


def _add(parent: etree._Element, name: str, text: str | None = None, ns: str = IIAS_NS) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        element.text = text
    return element


def _contact(parent: etree._Element, name: str, contact: Contact, ns: str = IIAS_NS) -> None:
    element = _add(parent, name, ns=ns)
    _add(element, "contact-name", contact.display_name, CONTACT_NS)
    if contact.given_names:
        _add(element, "person-given-names", contact.given_names, CONTACT_NS)
    if contact.family_name:
        _add(element, "person-family-name", contact.family_name, CONTACT_NS)
    for phone in contact.phones:
        _add(_add(element, "phone-number", ns=PHONE_NS), "e164", phone, PHONE_NS)
    for email in contact.emails:
        _add(element, "email", email, CONTACT_NS)
    if contact.role_description:
        _add(element, "role-description", contact.role_description, CONTACT_NS)


def _partner(parent: etree._Element, partner: IiaPartner) -> None:
    element = _add(parent, "partner")
    _add(element, "hei-id", partner.hei_id)
    if partner.ounit_id:
        _add(element, "ounit-id", partner.ounit_id)
    if partner.iia_id:
        _add(element, "iia-id", partner.iia_id)
    if partner.iia_code:
        _add(element, "iia-code", partner.iia_code)
    if partner.signing_contact:
        _contact(element, "signing-contact", partner.signing_contact)
    if partner.signing_date:
        _add(element, "signing-date", partner.signing_date.isoformat())
    for contact in partner.contacts:
        _contact(element, "contact", contact, CONTACT_NS)


def _subject_area(parent: etree._Element, area: SubjectArea) -> None:
    element = _add(parent, "subject-area")
    code = _add(element, "isced-f-code", area.isced_f_code)
    if area.v6_value:
        code.set("v6-value", area.v6_value)
    if area.isced_clarification is not None:
        _add(element, "isced-clarification", area.isced_clarification)


def _language(parent: etree._Element, skill: LanguageSkill) -> None:
    element = _add(parent, "recommended-language-skill")
    if skill.not_yet_defined:
        element.set("not-yet-defined", "true")
    _add(element, "language", skill.language)
    if skill.cefr_level:
        _add(element, "cefr-level", skill.cefr_level)
    if skill.subject_area:
        _subject_area(element, skill.subject_area)


def _condition(parent: etree._Element, condition: CooperationCondition) -> None:
    spec = _add(parent, TYPE_ELEMENTS[condition.type])
    _add(spec, "sending-hei-id", condition.sending_hei_id)
    if condition.sending_ounit_id:
        _add(spec, "sending-ounit-id", condition.sending_ounit_id)
    for contact in condition.sending_contacts:
        _contact(spec, "sending-contact", contact)
    _add(spec, "receiving-hei-id", condition.receiving_hei_id)
    if condition.receiving_ounit_id:
        _add(spec, "receiving-ounit-id", condition.receiving_ounit_id)
    for contact in condition.receiving_contacts:
        _contact(spec, "receiving-contact", contact)
    _add(spec, "receiving-first-academic-year-id", condition.receiving_first_academic_year_id)
    _add(spec, "receiving-last-academic-year-id", condition.receiving_last_academic_year_id)
    mobilities = _add(spec, "mobilities-per-year", str(condition.mobilities_per_year or 1))
    if condition.mobilities_per_year_not_yet_defined:
        mobilities.set("not-yet-defined", "true")
    for skill in condition.recommended_language_skills:
        _language(spec, skill)
    for area in condition.subject_areas:
        _subject_area(spec, area)
    if condition.other_info_terms is not None:
        _add(spec, "other-info-terms", condition.other_info_terms)
    if condition.is_student:
        if condition.total_months_per_year is not None:
            _add(spec, "total-months-per-year", format_number(condition.total_months_per_year))
        _add(spec, "blended", "true" if condition.blended else "false")
        for level in condition.eqf_levels:
            _add(spec, "eqf-level", str(level))
    elif condition.total_days_per_year is not None:
        _add(spec, "total-days-per-year", format_number(condition.total_days_per_year))


def _build(content: IiaContent) -> etree._Element:
    iia = etree.Element(f"{{{IIAS_NS}}}iia", nsmap=_NSMAP)
    for partner in content.partners:
        _partner(iia, partner)
    _add(iia, "in-effect", "true" if content.in_effect else "false")
    conditions = _add(iia, "cooperation-conditions")
    if content.terminated_as_a_whole:
        conditions.set("terminated-as-a-whole", "true")
    for condition in content.in_schema_order().cooperation_conditions:
        _condition(conditions, condition)
    return iia


def render_iia(content: IiaContent) -> tuple[etree._Element, IiaHash]:
    """The ``<iia>`` element of ``content`` with its ``iia-hash``, and the hash details."""
    iia = _build(content)
    result = hash_iia(iia)
    _add(iia, "iia-hash", result.iia_hash)
    if content.pdf_file:
        _add(iia, "pdf-file", content.pdf_file)
    return iia, result


def hash_content(content: IiaContent) -> IiaHash:
    return hash_iia(_build(content))


def render_response(contents: list[IiaContent]) -> bytes:
    """A whole ``iias-get-response`` document (for people and tests; the gateway builds its own)."""
    root = etree.Element(f"{{{IIAS_NS}}}iias-get-response", nsmap=_NSMAP)
    for content in contents:
        root.append(render_iia(content)[0])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- reading -------------------------------------------------------------------------------------


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _kids(node: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in node if _local(c) == name]


def _text(node: etree._Element, name: str) -> str | None:
    found = _kids(node, name)
    return str(found[0].xpath("string()")) if found else None


def _texts(node: etree._Element, name: str) -> list[str]:
    return [str(c.xpath("string()")) for c in _kids(node, name)]


def _read_contact(node: etree._Element) -> Contact:
    phones = [p for phone in _kids(node, "phone-number") if (p := _text(phone, "e164"))]
    return Contact(
        name=_text(node, "contact-name"),
        given_names=_text(node, "person-given-names"),
        family_name=_text(node, "person-family-name"),
        emails=_texts(node, "email"),
        phones=phones,
        role_description=_text(node, "role-description"),
    )


def _read_partner(node: etree._Element) -> IiaPartner:
    signing = _kids(node, "signing-contact")
    signing_date = _text(node, "signing-date")
    return IiaPartner(
        hei_id=_text(node, "hei-id") or "",
        ounit_id=_text(node, "ounit-id"),
        iia_id=_text(node, "iia-id"),
        iia_code=_text(node, "iia-code"),
        signing_contact=_read_contact(signing[0]) if signing else None,
        signing_date=date.fromisoformat(signing_date[:10]) if signing_date else None,
        contacts=[_read_contact(c) for c in _kids(node, "contact")],
    )


def _read_area(node: etree._Element) -> SubjectArea:
    code = _kids(node, "isced-f-code")
    return SubjectArea(
        isced_f_code=_text(node, "isced-f-code") or "",
        isced_clarification=_text(node, "isced-clarification"),
        v6_value=(code[0].get("v6-value") or None) if code else None,
    )


def _flag(node: etree._Element | None, name: str) -> bool:
    return node is not None and node.get(name) in ("true", "1")


def _read_language(node: etree._Element) -> LanguageSkill:
    area = _kids(node, "subject-area")
    return LanguageSkill.model_validate(
        {
            "language": _text(node, "language") or "",
            "cefr_level": _text(node, "cefr-level"),
            "subject_area": _read_area(area[0]) if area else None,
            "not_yet_defined": _flag(node, "not-yet-defined"),
        }
    )


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation as exc:
        raise ValueError(f"'{value}' is not a number") from exc


def _read_condition(node: etree._Element) -> CooperationCondition:
    mobilities = _kids(node, "mobilities-per-year")
    blended = _text(node, "blended")
    return CooperationCondition.model_validate(
        {
            "type": _KINDS[_local(node)],
            "sending_hei_id": _text(node, "sending-hei-id"),
            "sending_ounit_id": _text(node, "sending-ounit-id"),
            "sending_contacts": [_read_contact(c) for c in _kids(node, "sending-contact")],
            "receiving_hei_id": _text(node, "receiving-hei-id"),
            "receiving_ounit_id": _text(node, "receiving-ounit-id"),
            "receiving_contacts": [_read_contact(c) for c in _kids(node, "receiving-contact")],
            "receiving_first_academic_year_id": _text(node, "receiving-first-academic-year-id"),
            "receiving_last_academic_year_id": _text(node, "receiving-last-academic-year-id"),
            "mobilities_per_year": int(str(mobilities[0].xpath("string()"))) if mobilities else None,
            "mobilities_per_year_not_yet_defined": _flag(mobilities[0] if mobilities else None, "not-yet-defined"),
            "recommended_language_skills": [_read_language(s) for s in _kids(node, "recommended-language-skill")],
            "subject_areas": [_read_area(a) for a in _kids(node, "subject-area")],
            "other_info_terms": _text(node, "other-info-terms"),
            "total_months_per_year": _decimal(_text(node, "total-months-per-year")),
            "blended": None if blended is None else blended.strip() in ("true", "1"),
            "eqf_levels": [int(v) for v in _texts(node, "eqf-level")],
            "total_days_per_year": _decimal(_text(node, "total-days-per-year")),
        }
    )


def parse_iia(data: bytes | str | etree._Element) -> IiaContent:
    """Read one copy from an ``<iia>`` element or a ``get`` response holding exactly one IIA.

    Raises ``ValueError`` (pydantic's ``ValidationError`` included) when the copy breaks v7 rules.
    """
    root = data if isinstance(data, etree._Element) else parse_xml(data)
    found = find_iias(root)
    if len(found) != 1:
        raise ValueError(f"expected exactly one <iia>, found {len(found)}")
    iia = found[0]
    conditions_block = _kids(iia, "cooperation-conditions")
    specs = [s for s in conditions_block[0] if _local(s) in _KINDS] if conditions_block else []
    return IiaContent(
        partners=[_read_partner(p) for p in _kids(iia, "partner")],
        in_effect=(_text(iia, "in-effect") or "false").strip() in ("true", "1"),
        terminated_as_a_whole=_flag(conditions_block[0] if conditions_block else None, "terminated-as-a-whole"),
        cooperation_conditions=[_read_condition(s) for s in specs],
        pdf_file=_text(iia, "pdf-file"),
    )
