"""Institutions 2, Organizational Units 2, Courses 0.7, Simple Course Replication 1 and Factsheet 1,
translated from what the catalogue service owns."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Response

from smile_ewp_gateway.apis.common import (
    add_address,
    add_contact,
    add_localized,
    add_urls,
    as_list,
    local_hei_param,
    owner,
    text,
)
from smile_ewp_gateway.apis.factsheet import build_factsheet
from smile_ewp_gateway.server.framework import EwpContext, ewp_endpoint, xml_response
from smile_ewp_gateway.server.params import ParamError
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E

router = APIRouter()
_log = logging.getLogger("smile.ewp.catalogue")
_EMPTY_FACTSHEET = E(ns.api_ns("factsheet", 1))
_INST = E(ns.api_ns("institutions", 2), {"a": ns.ADDRESS, "c": ns.CONTACT, "p": ns.PHONE})
_OU = E(ns.api_ns("ounits", 2), {"a": ns.ADDRESS, "c": ns.CONTACT, "p": ns.PHONE})
_CO = E(ns.api_ns("courses", 1), {"trm": ns.TERM_V1})
_REP = E(ns.api_ns("course-replication", 1))
_TRM = E(ns.TERM_V1)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/institutions",
    api="institutions",
    endpoint="url",
    operation_id="ewpInstitutions",
    summary="EWP Institutions",
)
async def institutions(ctx: EwpContext) -> Response:
    """Institutions API 2: the covered university (from the catalogue) and, by name, institutions it knows."""
    ids = ctx.params.many("hei_id", limit=ctx.gateway.settings.ewp_max_ids)
    if not ids:
        raise ParamError("hei_id is required")
    root = _INST.root("institutions-response")
    for hei_id in dict.fromkeys(ids):
        if hei_id == ctx.hei.hei_id:
            _local_institution(ctx, root, await owner(ctx.gateway.owners.institution(hei_id)))
        elif (known := ctx.catalogue.institutions.get(hei_id)) is not None:
            hei = _INST.sub(root, "hei")
            _INST.sub(hei, "hei-id", hei_id)
            for kind, value in known.other_ids:
                _INST.sub(hei, "other-id", value, type=kind)
            add_localized(_INST, hei, "name", known.names)
    return xml_response(root)


def _local_institution(ctx: EwpContext, root: Any, data: Mapping[str, Any] | None) -> None:
    """The covered university: what the catalogue describes (``/internal/ewp/institution``), or, while it
    describes nothing yet, the names and identifiers of ``SMILE_EWP_HEIS``."""
    data = data or {}
    hei = _INST.sub(root, "hei")
    _INST.sub(hei, "hei-id", ctx.hei.hei_id)
    other_ids = dict(ctx.hei.other_ids)
    if text(data.get("erasmus_code")):
        other_ids.setdefault("erasmus", data["erasmus_code"])
    for kind, value in other_ids.items():
        _INST.sub(hei, "other-id", value, type=kind)
    add_localized(_INST, hei, "name", data.get("names") or ctx.hei.names or ctx.hei.hei_id)
    if text(data.get("abbreviation")):
        _INST.sub(hei, "abbreviation", data["abbreviation"])
    add_address(hei, "street-address", data.get("street_address"))
    add_address(hei, "mailing-address", data.get("mailing_address"))
    add_urls(_INST, hei, "website-url", data.get("website_urls"))
    add_urls(_INST, hei, "logo-url", as_list(data.get("logo_url"))[:1], https_only=True)
    add_urls(_INST, hei, "mobility-factsheet-url", data.get("factsheet_urls"))
    add_urls(_INST, hei, "course-catalogue-url", data.get("catalogue_urls"))
    for contact in as_list(data.get("contacts")):
        if isinstance(contact, Mapping):
            add_contact(hei, contact)
    if text(data.get("root_ounit_id")):
        _INST.sub(hei, "root-ounit-id", data["root_ounit_id"])
    for ounit_id in as_list(data.get("ounit_ids")):
        _INST.sub(hei, "ounit-id", ounit_id)


def _ids_or_codes(ctx: EwpContext, ids_name: str, codes_name: str) -> tuple[list[str], list[str]]:
    limit = ctx.gateway.settings.ewp_max_ids
    ids, codes = ctx.params.many(ids_name, limit=limit), ctx.params.many(codes_name, limit=limit)
    if ids and codes:
        raise ParamError(f"give {ids_name} or {codes_name}, not both")
    if not ids and not codes:
        raise ParamError(f"{ids_name} or {codes_name} is required")
    return ids, codes


@ewp_endpoint(
    router,
    "/hei/{hei_id}/ounits",
    api="organizational-units",
    endpoint="url",
    operation_id="ewpOrganizationalUnits",
    summary="EWP Organizational Units",
)
async def ounits(ctx: EwpContext) -> Response:
    """Organizational Units API 2: the university's visible units, by id or by code."""
    hei_id = local_hei_param(ctx)
    ids, codes = _ids_or_codes(ctx, "ounit_id", "ounit_code")
    root = _OU.root("ounits-response")
    found = await owner(ctx.gateway.owners.ounits(hei_id, ids=ids, codes=codes))
    wanted = set(ids) if ids else set(codes)
    for unit in found:
        key = str(unit.get("ounit_id")) if ids else str(unit.get("code"))
        if key not in wanted:
            continue
        wanted.discard(key)
        element = _OU.sub(root, "ounit")
        _OU.sub(element, "ounit-id", unit["ounit_id"])
        _OU.sub(element, "ounit-code", unit.get("code"))
        add_localized(_OU, element, "name", unit.get("names") or unit.get("code"))
        if text(unit.get("abbreviation")):
            _OU.sub(element, "abbreviation", unit["abbreviation"])
        if text(unit.get("parent_ounit_id")):
            _OU.sub(element, "parent-ounit-id", unit["parent_ounit_id"])
        add_address(element, "street-address", unit.get("street_address"))
        add_urls(_OU, element, "website-url", unit.get("website_urls"))
        add_urls(_OU, element, "mobility-factsheet-url", unit.get("factsheet_urls"))
        for contact in as_list(unit.get("contacts")):
            if isinstance(contact, Mapping):
                add_contact(element, contact)
    return xml_response(root)


@ewp_endpoint(
    router, "/hei/{hei_id}/courses", api="courses", endpoint="url", operation_id="ewpCourses", summary="EWP Courses"
)
async def courses(ctx: EwpContext) -> Response:
    """Courses API 0.7: published courses open to exchange students, with their instances (terms)."""
    hei_id = local_hei_param(ctx)
    ids, codes = _ids_or_codes(ctx, "los_id", "los_code")
    params = [("los_id", i) for i in ids] + [("los_code", c) for c in codes]
    for name in ("lois_before", "lois_after", "los_at_date"):
        if (value := ctx.params.date(name)) is not None:
            params.append((name, value))
    root = _CO.root("courses-response")
    for course in await owner(ctx.gateway.owners.courses(hei_id, params)):
        _course(root, course)
    return xml_response(root)


def _course(root: Any, course: Mapping[str, Any]) -> None:
    """One ``learningOpportunitySpecification`` from the catalogue's course (``/internal/ewp/courses``)."""
    los_id = str(course.get("los_id") or "")
    if not los_id.startswith(("CR/", "CLS/", "MOD/", "DEP/")):
        return
    los = _CO.sub(root, "learningOpportunitySpecification")
    _CO.sub(los, "los-id", los_id)
    if text(course.get("los_code")):
        _CO.sub(los, "los-code", course["los_code"])
    if text(course.get("ounit_id")):
        _CO.sub(los, "ounit-id", course["ounit_id"])
    add_localized(_CO, los, "title", course.get("titles") or course.get("los_code") or los_id)
    _CO.sub(
        los, "type", {"CR": "Course", "CLS": "Class", "MOD": "Module", "DEP": "Degree Programme"}[los_id.split("/")[0]]
    )
    if text(course.get("isced_code")):
        _CO.sub(los, "iscedCode", course["isced_code"])
    if isinstance(course.get("eqf_level"), int) and 1 <= course["eqf_level"] <= 8:
        _CO.sub(los, "eqfLevelProvided", course["eqf_level"])
    add_urls(_CO, los, "url", course.get("urls"))
    add_localized(_CO, los, "description", course.get("descriptions"))
    instances = [i for i in as_list(course.get("lois")) if isinstance(i, Mapping)]
    if instances:
        specifies = _CO.sub(los, "specifies")
        for instance in instances:
            _instance(specifies, instance)
        if len(specifies) == 0:
            los.remove(specifies)


def _instance(parent: Any, instance: Mapping[str, Any]) -> None:
    if not (instance.get("loi_id") and instance.get("start") and instance.get("end")):
        return
    loi = _CO.sub(parent, "learningOpportunityInstance")
    _CO.sub(loi, "loi-id", instance["loi_id"])
    _CO.sub(loi, "start", instance["start"])
    _CO.sub(loi, "end", instance["end"])
    academic = instance.get("academic_term")
    if isinstance(academic, Mapping) and academic.get("academic_year_id"):
        term = _TRM.sub(loi, "academic-term")
        _TRM.sub(term, "academic-year-id", academic["academic_year_id"])
        if academic.get("ewp_id"):
            _TRM.sub(term, "ewp-id", academic["ewp_id"])
        add_localized(_TRM, term, "display-name", academic.get("names") or instance.get("term_code") or "term")
        _TRM.sub(term, "start-date", academic.get("start_date") or instance["start"])
        _TRM.sub(term, "end-date", academic.get("end_date") or instance["end"])
    for credit in as_list(instance.get("credits")):
        if isinstance(credit, Mapping) and credit.get("scheme") and credit.get("value") is not None:
            element = _CO.sub(loi, "credit")
            _CO.sub(element, "scheme", credit["scheme"])
            _CO.sub(element, "value", _decimal(credit["value"]))
    if text(instance.get("language")):
        _CO.sub(loi, "languageOfInstruction", instance["language"])
    if instance.get("engagement_hours") is not None:
        _CO.sub(loi, "engagementHours", _decimal(instance["engagement_hours"]))


def _decimal(value: object) -> str:
    number = float(str(value))
    return str(int(number)) if number.is_integer() else str(number)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/course-replication",
    api="simple-course-replication",
    endpoint="url",
    operation_id="ewpCourseReplication",
    summary="EWP Simple Course Replication",
)
async def course_replication(ctx: EwpContext) -> Response:
    """Simple Course Replication 1: every published course's LOS id (or those modified since)."""
    hei_id = local_hei_param(ctx)
    since = ctx.params.modified_since()
    ids = await owner(ctx.gateway.owners.course_ids(hei_id, since.isoformat() if since else None))
    root = _REP.root("course-replication-response")
    for los_id in ids:
        _REP.sub(root, "los-id", los_id, ns.api_ns("course-replication", 1))
    return xml_response(root)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/factsheet",
    api="factsheet",
    endpoint="url",
    operation_id="ewpFactsheet",
    summary="EWP Mobility Factsheet",
)
async def factsheet(ctx: EwpContext) -> Response:
    """Mobility Factsheet 1: calendar, requirements, housing, visa and insurance information."""
    ids = ctx.params.many("hei_id", limit=ctx.gateway.settings.ewp_max_ids)
    if not ids:
        raise ParamError("hei_id is required")
    if ctx.hei.hei_id not in ids:
        return xml_response(_EMPTY_FACTSHEET.root("factsheet-response"))  # unknown hei_ids are ignored
    data = await owner(ctx.gateway.owners.factsheet(ctx.hei.hei_id))
    root, report = build_factsheet(ctx.hei.hei_id, data)
    if not report.complete:
        _log.warning(
            "factsheet of %s not served to %s: the catalogue's factsheet lacks %s (see GET /readiness)",
            ctx.hei.hei_id,
            ", ".join(sorted(ctx.partner_heis)) or "a partner",
            ", ".join(report.missing),
        )
    return xml_response(root)
