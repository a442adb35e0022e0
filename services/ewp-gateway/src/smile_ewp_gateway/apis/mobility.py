"""Incoming Mobilities 2, Incoming Mobility ToRs 3 and the incoming LA stats, from agreements and records."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Response
from lxml import etree

from smile_ewp_gateway.apis.common import as_list, owner
from smile_ewp_gateway.apis.iias import partner_of
from smile_ewp_gateway.server.framework import EwpContext, EwpError, ewp_endpoint, xml_response
from smile_ewp_gateway.server.params import ParamError
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E
from smile_ewp_gateway.xmlkit.safe import XmlError, parse_untrusted
from smile_ewp_gateway.xmlkit.schemas import SchemaError, ewp_schemas

router = APIRouter()
_log = logging.getLogger("smile.ewp.mobility")
_IMOB = E(ns.api_ns("imobilities", 2, "get-response"))
_TOR = E(ns.api_ns("imobility-tors", 3, "get-response"), {"emrex": ns.ELMO_V2})
_TOR_INDEX = E(ns.api_ns("imobility-tors", 3, "index-response"))
_LA_STATS = E(f"{ns.GH}/ewp-specs-api-omobility-la-cnr/tree/stable-v1/endpoints/stats-response.xsd")


def _omobility_ids(ctx: EwpContext) -> list[str]:
    ids = ctx.params.many("omobility_id", limit=ctx.gateway.settings.ewp_max_ids)
    if not ids:
        raise ParamError("omobility_id is required")
    return list(dict.fromkeys(ids))


@ewp_endpoint(
    router,
    "/hei/{hei_id}/imobilities/get",
    api="imobilities",
    endpoint="get",
    operation_id="ewpImobilitiesGet",
    summary="EWP Incoming Mobilities get",
)
async def imobilities_get(ctx: EwpContext) -> Response:
    """Incoming Mobilities API 2: actual arrival and departure dates of the caller's students (by the
    caller's omobility ids)."""
    ids = _omobility_ids(ctx)
    found: dict[str, Mapping[str, Any]] = {}
    for partner in partner_of(ctx):
        for item in await owner(ctx.gateway.owners.imobilities(ctx.hei.hei_id, ids, partner)):
            if item.get("sending_hei_id") == partner:
                found[str(item.get("omobility_id"))] = item
    root = _IMOB.root("imobilities-get-response")
    for omobility_id in ids:
        if (found_item := found.get(omobility_id)) is not None:
            mobility = _IMOB.sub(root, "student-mobility")
            _IMOB.sub(mobility, "omobility-id", omobility_id)
            if found_item.get("actual_arrival_date"):
                _IMOB.sub(mobility, "actual-arrival-date", found_item["actual_arrival_date"])
            if found_item.get("actual_departure_date"):
                _IMOB.sub(mobility, "actual-departure-date", found_item["actual_departure_date"])
    return xml_response(root)


def _tor(root: etree._Element, item: Mapping[str, Any]) -> None:
    try:
        elmo = parse_untrusted(str(item.get("elmo_xml") or "").encode("utf-8"))
    except XmlError:
        _log.error("records gave the ToR of %s as invalid XML", item.get("omobility_id"))
        return
    try:
        ewp_schemas.validate(elmo, "elmo-schemas-v2/schema.xsd")
    except SchemaError as exc:
        _log.error("records gave the ToR of %s as invalid ELMO v2, not served: %s", item.get("omobility_id"), exc)
        return
    tor = _TOR.sub(root, "tor")
    _TOR.sub(tor, "omobility-id", item["omobility_id"])
    _TOR.sub(tor, "receiving-academic-year-id", item["receiving_academic_year_id"])
    tor.append(elmo)
    tables = [t for t in as_list(item.get("grade_conversion_table")) if isinstance(t, Mapping)]
    if tables:
        conversion = _TOR.sub(tor, "gradeConversionTable")
        for table in tables:
            isced = _TOR.sub(conversion, "iscedTable", iscedCode=str(table.get("isced_code")))
            for frequency in as_list(table.get("frequencies")):
                _TOR.sub(
                    isced, "gradeFrequency", label=str(frequency["label"]), percentage=str(frequency["percentage"])
                )


@ewp_endpoint(
    router,
    "/hei/{hei_id}/imobility-tors/get",
    api="imobility-tors",
    endpoint="get",
    operation_id="ewpImobilityTorsGet",
    summary="EWP Incoming Mobility ToRs get",
)
async def tors_get(ctx: EwpContext) -> Response:
    """Incoming Mobility ToRs API 3: the transcripts (EMREX ELMO v2) of the caller's students, once ready."""
    ids = _omobility_ids(ctx)
    found: dict[str, Mapping[str, Any]] = {}
    for partner in partner_of(ctx):
        params = [("omobility_id", i) for i in ids]
        for item in await owner(ctx.gateway.owners.tors(ctx.hei.hei_id, partner, params)):
            found[str(item.get("omobility_id"))] = item
    root = _TOR.root("imobility-tors-get-response")
    for omobility_id in ids:
        if omobility_id in found:
            _tor(root, found[omobility_id])
    return xml_response(root)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/imobility-tors/index",
    api="imobility-tors",
    endpoint="index",
    operation_id="ewpImobilityTorsIndex",
    summary="EWP Incoming Mobility ToRs index",
)
async def tors_index(ctx: EwpContext) -> Response:
    """Incoming Mobility ToRs API 3 ``index``: omobility ids whose transcript the caller may ``get``."""
    since = ctx.params.modified_since()
    params = [("ids_only", "true")] + ([("modified_since", since.isoformat())] if since else [])
    root = _TOR_INDEX.root("imobility-tors-index-response")
    for partner in partner_of(ctx):
        for item in await owner(ctx.gateway.owners.tors(ctx.hei.hei_id, partner, params)):
            _TOR_INDEX.sub(root, "omobility-id", item["omobility_id"])
    return xml_response(root)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/omobility-la-cnr/stats",
    api="omobility-la-cnr",
    endpoint="stats",
    operation_id="ewpIncomingLaStats",
    summary="EWP incoming learning agreement stats",
    methods=("GET",),
)
async def la_stats(ctx: EwpContext) -> Response:
    """Outgoing Mobility LA CNR 1.1 ``stats`` (for the EWP Stats Portal): incoming learning agreements per year."""
    items = await owner(ctx.gateway.owners.la_stats(ctx.hei.hei_id))
    root = _LA_STATS.root("las-incoming-stats-response")
    fields = (
        "total",
        "some_version_approved",
        "latest_version_approved",
        "latest_version_rejected",
        "latest_version_awaiting",
    )
    for item in items:
        if not all(isinstance(item.get(f), int) for f in fields):
            raise EwpError(503, "agreements gave incomplete LA stats")
        year = _LA_STATS.sub(root, "academic-year-la-stats")
        _LA_STATS.sub(year, "receiving-academic-year-id", item["receiving_academic_year_id"])
        for name in fields:
            _LA_STATS.sub(year, f"la-incoming-{name.replace('_', '-')}", item[name])
    return xml_response(root)
