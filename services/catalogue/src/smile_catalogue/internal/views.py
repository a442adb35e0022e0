"""The catalogue in the shapes the EWP gateway translates to XML (Institutions, OUnits, Courses, Factsheet)."""

from __future__ import annotations

from datetime import date
from typing import Any

from smile_catalogue.courses.index import format_ects
from smile_catalogue.courses.models import Course
from smile_catalogue.institution.models import Institution
from smile_catalogue.refs import Refs, TermRef, UnitRef
from smile_common.events.payloads.catalogue import loi_id, los_id


def contact(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": entry.get("name"),
        "emails": [entry["email"]] if entry.get("email") else [],
        "phones": [entry["phone"]] if entry.get("phone") else [],
        "role_description": entry.get("role") or {},
    }


def _address(address: dict[str, Any] | None) -> dict[str, Any] | None:
    if not address or not any(address.values()):
        return None
    return {
        "lines": address.get("lines") or [],
        "postal_code": address.get("postal_code"),
        "locality": address.get("locality"),
        "region": None,
        "country": address.get("country"),
    }


def visible_unit(refs: Refs, code: str | None) -> UnitRef | None:
    """The unit, or its nearest visible ancestor when it is hidden (hidden units never leave)."""
    for candidate in refs.ancestry().get(code, []) if code else []:
        unit = refs.units[candidate]
        if not unit.hidden:
            return unit
    return None


def institution(row: Institution, refs: Refs) -> dict[str, Any]:
    return {
        "hei_id": row.tenant,
        "names": row.name,
        "abbreviation": row.abbreviation,
        "erasmus_code": row.erasmus_code,
        "website_urls": [row.website_url] if row.website_url else [],
        "logo_url": row.logo_url if (row.logo_url or "").startswith("https://") else None,
        "factsheet_urls": [row.factsheet_url] if row.factsheet_url else [],
        "catalogue_urls": [row.catalogue_url] if row.catalogue_url else [],
        "street_address": _address(row.street_address),
        "mailing_address": None,
        "contacts": [contact(c) for c in row.contacts],
        "root_ounit_id": None,
        "ounit_ids": [str(u.id) for u in sorted(refs.units.values(), key=lambda u: u.code) if not u.hidden],
    }


def ounit(unit: UnitRef, refs: Refs, extra: dict[str, Any]) -> dict[str, Any]:
    parent = visible_unit(refs, unit.parent_code)
    return {
        "ounit_id": str(unit.id),
        "code": unit.code,
        "names": unit.name,
        "abbreviation": extra.get("abbreviation"),
        "parent_ounit_id": str(parent.id) if parent else None,
        "website_urls": [extra["website_url"]] if extra.get("website_url") else [],
        "factsheet_urls": [],
        "contacts": [contact(c) for c in extra.get("contacts") or []],
        "street_address": None,
        "city": extra.get("city"),
        "kind": unit.kind,
    }


def _term(term: TermRef) -> dict[str, Any]:
    return {
        "academic_year_id": term.academic_year_id,
        "ewp_id": term.ewp_id,
        "term_number": term.ordinal,
        "total_terms": term.terms_in_year,
        "names": term.name,
        "start_date": term.start_date.isoformat(),
        "end_date": term.end_date.isoformat(),
    }


def course(row: Course, refs: Refs, *, before: date | None, after: date | None) -> dict[str, Any]:
    unit = visible_unit(refs, row.organisational_unit_code)
    hours = row.hours or {}
    engagement = sum(int(v) for v in hours.values()) or None
    lois = []
    for code in row.term_codes:
        term = refs.terms.get(code)
        if term is None:
            continue
        if (before is not None and term.start_date >= before) or (after is not None and term.end_date <= after):
            continue
        lois.append(
            {
                "loi_id": loi_id(row.id, code),
                "term_code": code,
                "start": term.start_date.isoformat(),
                "end": term.end_date.isoformat(),
                "academic_term": _term(term),
                "credits": [{"scheme": "ects", "value": format_ects(row.ects)}],
                "language": row.languages[0]["language"] if row.languages else None,
                "languages": row.languages,
                "engagement_hours": engagement,
            }
        )
    return {
        "los_id": los_id(row.id),
        "los_code": row.code,
        "id": str(row.id),
        "ounit_id": str(unit.id) if unit else None,
        "titles": row.title,
        "type": "Course",
        "isced_code": row.isced_code,
        "eqf_level": row.eqf_level,
        "urls": [row.syllabus_url] if row.syllabus_url else [],
        "descriptions": row.description,
        "lois": lois,
        "contains": [],
        "modified_at": row.updated_at.isoformat(),
    }


def factsheet(content: dict[str, Any]) -> dict[str, Any]:
    calendar = content.get("calendar") or {}
    return {
        "nominations_autumn": calendar.get("nominations_autumn"),
        "nominations_spring": calendar.get("nominations_spring"),
        "applications_autumn": calendar.get("applications_autumn"),
        "applications_spring": calendar.get("applications_spring"),
        "decision_weeks_limit": content.get("decision_weeks_limit"),
        "tor_weeks_limit": content.get("tor_weeks_limit"),
        "application_info": content.get("application_info"),
        "housing_info": content.get("housing_info"),
        "visa_info": content.get("visa_info"),
        "insurance_info": content.get("insurance_info"),
        "additional_requirements": content.get("additional_requirements", []),
        "accessibility": content.get("accessibility", []),
        "additional_info": content.get("additional_info", []),
        # beyond EWP, for agreements' checks
        "term_deadlines": content.get("term_deadlines", []),
        "language_requirements": content.get("language_requirements", []),
        "required_documents": content.get("required_documents", []),
    }
