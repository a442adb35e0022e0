"""Partners' EWP documents translated into SMILE's ``ewp.*`` events (validated XML in, typed payloads out)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from lxml import etree

from smile_common.events.payloads import ewp as ev
from smile_ewp_gateway.iias.hashing import iia_hash
from smile_ewp_gateway.xmlkit import ns

__all__ = ["iia_received", "institution_updated", "learning_agreement_received", "nomination_received", "ounit_of"]

IIA = ns.api_ns("iias", 7, "get-response")
OMOB = ns.api_ns("omobilities", 3, "get-response")
LA = ns.api_ns("omobility-las", 1, "get-response")
INSTITUTIONS = ns.api_ns("institutions", 2)
OUNITS = ns.api_ns("ounits", 2)
Finder = Callable[[str], str | None]


def _finder(element: etree._Element, namespace: str) -> Finder:
    def find(path: str) -> str | None:
        value = element.findtext("/".join(f"{{{namespace}}}{p}" for p in path.split("/")))
        return value.strip() if value is not None and value.strip() else None

    return find


def _all(element: etree._Element, namespace: str, name: str) -> list[etree._Element]:
    return element.findall(f"{{{namespace}}}{name}")


def _contact(element: etree._Element | None) -> ev.EwpContact | None:
    if element is None:
        return None
    c = ns.CONTACT
    return ev.EwpContact(
        name=element.findtext(f"{{{c}}}contact-name"),
        given_names=element.findtext(f"{{{c}}}person-given-names"),
        family_name=element.findtext(f"{{{c}}}person-family-name"),
        emails=[e.text for e in element.findall(f"{{{c}}}email") if e.text],
        phones=[e.text for e in element.iterfind(f"{{{ns.PHONE}}}phone-number/{{{ns.PHONE}}}e164") if e.text],
        role_description=element.findtext(f"{{{c}}}role-description"),
    )


def _contacts(parent: etree._Element, namespace: str, name: str) -> list[ev.EwpContact]:
    return [c for e in parent.findall(f"{{{namespace}}}{name}") if (c := _contact(e)) is not None]


def _true(value: str | None) -> bool:
    return value in ("true", "1")


def _subject(element: etree._Element | None) -> ev.SubjectArea | None:
    if element is None:
        return None
    code = element.find(f"{{{IIA}}}isced-f-code")
    value = None if code is None else (code.get("v6-value") or code.text)
    return ev.SubjectArea(isced_f_code=value, isced_clarification=element.findtext(f"{{{IIA}}}isced-clarification"))


def _spec(element: etree._Element) -> ev.MobilitySpec:
    find = _finder(element, IIA)
    kind = etree.QName(element).localname.removesuffix("-mobility-spec")
    per_year = element.find(f"{{{IIA}}}mobilities-per-year")
    months, days = find("total-months-per-year"), find("total-days-per-year")
    return ev.MobilitySpec(
        kind=kind,  # type: ignore[arg-type]
        sending_hei_id=find("sending-hei-id") or "",
        sending_ounit_id=find("sending-ounit-id"),
        sending_contacts=_contacts(element, IIA, "sending-contact"),
        receiving_hei_id=find("receiving-hei-id") or "",
        receiving_ounit_id=find("receiving-ounit-id"),
        receiving_contacts=_contacts(element, IIA, "receiving-contact"),
        receiving_first_academic_year_id=find("receiving-first-academic-year-id") or "",
        receiving_last_academic_year_id=find("receiving-last-academic-year-id") or "",
        mobilities_per_year=None
        if per_year is None or _true(per_year.get("not-yet-defined"))
        else int(per_year.text or 0),
        recommended_language_skills=[
            ev.RecommendedLanguageSkill(
                language=skill.findtext(f"{{{IIA}}}language") or "",
                cefr_level=skill.findtext(f"{{{IIA}}}cefr-level"),
                subject_area=_subject(skill.find(f"{{{IIA}}}subject-area")),
                not_yet_defined=_true(skill.get("not-yet-defined")),
            )
            for skill in _all(element, IIA, "recommended-language-skill")
        ],
        subject_areas=[s for e in _all(element, IIA, "subject-area") if (s := _subject(e)) is not None],
        other_info_terms=find("other-info-terms"),
        total_months_per_year=float(months) if months else None,
        blended=None if find("blended") is None else _true(find("blended")),
        eqf_levels=[int(e.text) for e in _all(element, IIA, "eqf-level") if e.text],
        total_days_per_year=float(days) if days else None,
    )


def _partner(element: etree._Element) -> ev.IiaPartner:
    find = _finder(element, IIA)
    signing_date = find("signing-date")
    return ev.IiaPartner(
        hei_id=find("hei-id") or "",
        ounit_id=find("ounit-id"),
        iia_id=find("iia-id"),
        iia_code=find("iia-code"),
        signing_contact=_contact(element.find(f"{{{IIA}}}signing-contact")),
        signing_date=date.fromisoformat(signing_date) if signing_date else None,
        contacts=_contacts(element, ns.CONTACT, "contact"),
    )


def iia_received(iia: etree._Element, local_hei_id: str, now: datetime | None = None) -> ev.IiaReceived:
    """A partner's ``<iia>`` (IIAs v7 get); partners[0] must be the partner, partners[1] the tenant."""
    partners = [_partner(p) for p in _all(iia, IIA, "partner")]
    conditions = iia.find(f"{{{IIA}}}cooperation-conditions")
    computed = iia_hash(iia)
    declared = (iia.findtext(f"{{{IIA}}}iia-hash") or "").strip()
    return ev.IiaReceived(
        partner_hei_id=partners[0].hei_id,
        partner_iia_id=partners[0].iia_id or "",
        partner_iia_code=partners[0].iia_code,
        local_hei_id=local_hei_id,
        local_iia_id=partners[1].iia_id,
        partners=partners,
        in_effect=_true(iia.findtext(f"{{{IIA}}}in-effect")),
        terminated_as_a_whole=conditions is not None and _true(conditions.get("terminated-as-a-whole")),
        cooperation_conditions=[_spec(s) for s in conditions if isinstance(s.tag, str)]
        if conditions is not None
        else [],
        iia_hash=declared,
        hash_verified=declared == computed.sha256,
        valid_for_approval=computed.valid_for_approval,
        pdf_file_id=iia.findtext(f"{{{IIA}}}pdf-file"),
        iia_xml=etree.tostring(iia, encoding="unicode", with_tail=False),
        received_at=now or datetime.now(UTC),
    )


def _by_lang(elements: list[etree._Element]) -> tuple[str, dict[str, str]]:
    plain = next((e.text for e in elements if e.get(ns.XML_LANG) is None and e.text), None)
    by_lang = {lang: e.text for e in elements if (lang := e.get(ns.XML_LANG)) and e.text}
    return plain or next(iter(by_lang.values()), ""), by_lang


def nomination_received(mobility: etree._Element, now: datetime | None = None) -> ev.NominationReceived:
    """A partner's ``<student-mobility>`` (Outgoing Mobilities v3 get)."""
    find = _finder(mobility, OMOB)
    student = mobility.find(f"{{{OMOB}}}student")
    nomination = mobility.find(f"{{{OMOB}}}nomination")
    assert student is not None
    assert nomination is not None
    given, given_by_lang = _by_lang(_all(student, OMOB, "given-names"))
    family, family_by_lang = _by_lang(_all(student, OMOB, "family-name"))
    s, n = _finder(student, OMOB), _finder(nomination, OMOB)
    return ev.NominationReceived(
        omobility_id=find("omobility-id") or "",
        sending_hei=_institution(nomination, "sending-hei"),
        receiving_hei=_institution(nomination, "receiving-hei"),
        proposal_id=nomination.get("proposal-id", ""),
        status=find("status"),  # type: ignore[arg-type]
        student=ev.NominationStudent(
            given_names=given,
            family_name=family,
            given_names_by_lang=given_by_lang,
            family_name_by_lang=family_by_lang,
            global_id=s("global-id") or "",
            birth_date=date.fromisoformat(s("birth-date") or ""),
            nationality=s("nationality") or "",
            gender=int(s("gender") or 0),
            email=s("email") or "",
        ),
        sending_academic_term_ewp_id=n("sending-academic-term-ewp-id"),
        non_standard_mobility_period=nomination.find(f"{{{OMOB}}}non-standard-mobility-period") is not None,
        receiving_academic_year_id=n("receiving-academic-year-id") or "",
        activity_type=n("activity-type") or "",
        activity_attributes=n("activity-attributes"),  # type: ignore[arg-type]
        agreement_isced_f_code=n("agreement-isced-f-code") or "",
        eqf_level_studied_at_departure=int(n("eqf-level-studied-at-departure") or 0),
        nominee_isced_f_code=n("nominee-isced-f-code") or "",
        comment=n("comment"),
        received_at=now or datetime.now(UTC),
    )


def _institution(nomination: etree._Element, name: str) -> ev.MobilityInstitution:
    find = _finder(nomination, OMOB)
    return ev.MobilityInstitution(
        hei_id=find(f"{name}/hei-id") or "", ounit_id=find(f"{name}/ounit-id"), iia_id=find(f"{name}/iia-id")
    )


def _la_student(element: etree._Element | None) -> ev.LaStudent | None:
    if element is None:
        return None
    find = _finder(element, LA)
    birth, gender = find("birth-date"), find("gender")
    return ev.LaStudent(
        given_names=find("given-names"),
        family_name=find("family-name"),
        global_id=find("global-id"),
        birth_date=date.fromisoformat(birth) if birth else None,
        citizenship=find("citizenship"),
        gender=int(gender) if gender else None,
        email=find("email"),
    )


def _signature(element: etree._Element | None) -> ev.LaSignature | None:
    if element is None:
        return None
    find = _finder(element, LA)
    return ev.LaSignature(
        signer_name=find("signer-name"),
        signer_position=find("signer-position"),
        signer_email=find("signer-email"),
        timestamp=datetime.fromisoformat((find("timestamp") or "").replace("Z", "+00:00")),
        signer_app=find("signer-app"),
    )


def _component(element: etree._Element) -> ev.LaComponent:
    find = _finder(element, LA)
    term = element.find(f"{{{LA}}}term-id")
    number = term.findtext(f"{{{ns.TERM_V2}}}term-number") if term is not None else None
    total = term.findtext(f"{{{ns.TERM_V2}}}total-terms") if term is not None else None
    return ev.LaComponent(
        los_id=find("los-id"),
        los_code=find("los-code"),
        title=find("title") or "",
        loi_id=find("loi-id"),
        term_number=int(number) if number else None,
        total_terms=int(total) if total else None,
        credits=[
            ev.LaCredit(scheme=c.findtext(f"{{{LA}}}scheme") or "", value=float(c.findtext(f"{{{LA}}}value") or 0))
            for c in _all(element, LA, "credit")
        ],
        recognition_conditions=find("recognition-conditions"),
        short_description=find("short-description"),
        status=element.get("status"),  # type: ignore[arg-type]
        reason_code=element.get("reason-code"),
        reason_text=element.get("reason-text"),
    )


def _components(element: etree._Element | None) -> ev.LaComponentList | None:
    if element is None:
        return None
    lists: dict[str, Any] = {}
    for name in (
        "components-studied",
        "components-recognized",
        "virtual-components",
        "blended-mobility-components",
        "short-term-doctoral-components",
    ):
        holder = element.find(f"{{{LA}}}{name}")
        lists[name.replace("-", "_")] = (
            [_component(c) for c in _all(holder, LA, "component")] if holder is not None else []
        )
    return ev.LaComponentList(
        **lists,
        student_signature=_signature(element.find(f"{{{LA}}}student-signature")),
        sending_hei_signature=_signature(element.find(f"{{{LA}}}sending-hei-signature")),
        receiving_hei_signature=_signature(element.find(f"{{{LA}}}receiving-hei-signature")),
    )


def _la_institution(element: etree._Element) -> ev.LaInstitution:
    find = _finder(element, LA)
    return ev.LaInstitution(
        hei_id=find("hei-id") or "",
        ounit_id=find("ounit-id"),
        ounit_name=find("ounit-name"),
        contact_given_names=find("contact-person/given-names") or "",
        contact_family_name=find("contact-person/family-name") or "",
        contact_email=find("contact-person/email") or "",
        contact_phone=element.findtext(f"{{{LA}}}contact-person/{{{ns.PHONE}}}phone-number/{{{ns.PHONE}}}e164"),
    )


def learning_agreement_received(la: etree._Element, now: datetime | None = None) -> ev.LearningAgreementReceived:
    """A partner's ``<la>`` (Outgoing Mobility LAs v1 get)."""
    find = _finder(la, LA)
    proposal = la.find(f"{{{LA}}}changes-proposal")
    sending, receiving = la.find(f"{{{LA}}}sending-hei"), la.find(f"{{{LA}}}receiving-hei")
    assert sending is not None
    assert receiving is not None
    student = _la_student(la.find(f"{{{LA}}}student"))
    return ev.LearningAgreementReceived(
        omobility_id=find("omobility-id") or "",
        sending_hei=_la_institution(sending),
        receiving_hei=_la_institution(receiving),
        receiving_academic_year_id=find("receiving-academic-year-id") or "",
        student=student or ev.LaStudent(),
        start=find("start-date") or find("start-year-month") or "",
        end=find("end-date") or find("end-year-month") or "",
        eqf_level_studied_at_departure=int(find("eqf-level-studied-at-departure") or 0),
        isced_f_code=find("isced-f-code") or "",
        isced_clarification=find("isced-clarification"),
        language=find("student-language-skill/language") or "",
        cefr_level=find("student-language-skill/cefr-level") or "",
        first_version=_components(la.find(f"{{{LA}}}first-version")),
        approved_changes=_components(la.find(f"{{{LA}}}approved-changes")),
        changes_proposal=_components(proposal),
        changes_proposal_id=proposal.get("id") if proposal is not None else None,
        changes_proposal_student=_la_student(proposal.find(f"{{{LA}}}student")) if proposal is not None else None,
        learning_outcomes_url=find("learning-outcomes-url"),
        provisions_url=find("provisions-url"),
        received_at=now or datetime.now(UTC),
    )


def institution_updated(hei: etree._Element, catalogue: Any) -> ev.InstitutionUpdated | None:
    """A partner's ``<hei>`` (Institutions v2); the registry tells which APIs it serves."""
    find = _finder(hei, INSTITUTIONS)
    hei_id = find("hei-id")
    if hei_id is None:
        return None
    other = [
        ev.OtherHeiId(type=o.get("type", ""), value=(o.text or "").strip())
        for o in _all(hei, INSTITUTIONS, "other-id")
        if o.text
    ]
    first = {o.type: o.value for o in reversed(other)}
    address = hei.find(f"{{{ns.ADDRESS}}}street-address")
    if address is None:
        address = hei.find(f"{{{ns.ADDRESS}}}mailing-address")
    country = address.findtext(f"{{{ns.ADDRESS}}}country") if address is not None else None
    return ev.InstitutionUpdated(
        hei_id=hei_id,
        names={n.get(ns.XML_LANG) or "und": (n.text or "").strip() for n in _all(hei, INSTITUTIONS, "name")},
        abbreviation=find("abbreviation"),
        other_ids=other,
        erasmus_code=first.get("erasmus"),
        pic=first.get("pic"),
        country=country if country and len(country) == 2 else None,
        city=address.findtext(f"{{{ns.ADDRESS}}}locality") if address is not None else None,
        website_url=find("website-url"),
        contacts=[c for e in hei.findall(f"{{{ns.CONTACT}}}contact") if (c := _contact(e)) is not None],
        ewp_apis=catalogue.apis_of(hei_id) if catalogue is not None else {},
        on_ewp=True,
        source="institutions-api",
        observed_at=datetime.now(UTC),
    )


def ounit_of(unit: etree._Element) -> ev.EwpOrganisationalUnit | None:
    """A partner's ``<ounit>`` (Organizational Units v2)."""
    find = _finder(unit, OUNITS)
    ounit_id, code = find("ounit-id"), find("ounit-code")
    if not ounit_id or not code:
        return None
    return ev.EwpOrganisationalUnit(
        ounit_id=ounit_id,
        code=code,
        names={n.get(ns.XML_LANG) or "und": (n.text or "").strip() for n in _all(unit, OUNITS, "name")},
        abbreviation=find("abbreviation"),
        parent_ounit_id=find("parent-ounit-id"),
    )
