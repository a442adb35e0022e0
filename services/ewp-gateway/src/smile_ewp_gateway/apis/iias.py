"""IIAs 7 (get, index, stats), IIAs Approval 2 and File 1, from what the agreements service owns.

Agreements renders each IIA as the v7 ``<iia>`` element whose hash it keeps (``ewp_xml``, one call for all
the asked ids: ``POST /internal/ewp/iias/served``); the gateway checks that hash against its own computation
before serving it, so a partner never receives an IIA whose ``iia-hash`` does not match its content. Checked
fragments are kept by revision (:mod:`smile_ewp_gateway.iias.fragments`), so an unchanged IIA is neither
sent by agreements nor parsed again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, Response
from lxml import etree

from smile_ewp_gateway.apis.common import owner
from smile_ewp_gateway.iias.fragments import Entry, generations
from smile_ewp_gateway.iias.hashing import iia_hash
from smile_ewp_gateway.server.framework import XML_MEDIA_TYPE, EwpContext, EwpError, ewp_endpoint, xml_response
from smile_ewp_gateway.server.params import ParamError
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E
from smile_ewp_gateway.xmlkit.safe import XmlError, parse_untrusted

router = APIRouter()
_log = logging.getLogger("smile.ewp.iias")
IIA_NS = ns.api_ns("iias", 7, "get-response")
_GET_OPEN = f'<?xml version="1.0" encoding="UTF-8"?>\n<iias-get-response xmlns="{IIA_NS}">'.encode()
_GET_CLOSE = b"</iias-get-response>"
_INDEX = E(ns.api_ns("iias", 7, "index-response"))
_STATS = E(ns.api_ns("iias", 7, "stats-response"))
_APPROVAL = E(ns.api_ns("iias-approval", 2))


def partner_of(ctx: EwpContext) -> list[str]:
    ctx.require_partner()
    return sorted(ctx.caller.hei_ids)


def _checked_fragment(item: dict[str, Any]) -> bytes | None:
    """The ``<iia>`` agreements rendered (serialized, ready to embed) if its hash is right; None otherwise."""
    xml = item.get("ewp_xml")
    if not isinstance(xml, str):
        _log.error("agreements gave IIA %s without its v7 XML", item.get("iia_id"))
        return None
    try:
        element = parse_untrusted(xml.encode("utf-8"))
    except XmlError:
        _log.exception("agreements gave IIA %s as invalid XML", item.get("iia_id"))
        return None
    if element.tag != f"{{{IIA_NS}}}iia":
        _log.error("agreements gave IIA %s as <%s>, not a v7 <iia>", item.get("iia_id"), element.tag)
        return None
    computed = iia_hash(element).sha256
    declared = element.findtext(f"{{{IIA_NS}}}iia-hash")
    if computed != declared:
        _log.error("IIA %s: declared hash %s, computed %s; not served", item.get("iia_id"), declared, computed)
        return None
    return etree.tostring(element, encoding="UTF-8", with_tail=False, xml_declaration=False)


async def served_fragments(ctx: EwpContext, partner: str, ids: list[str]) -> dict[str, bytes]:
    """The checked ``<iia>`` fragments of the asked IIAs the partner may get, by id. Those read at the
    IIA's current generation come from memory; the others from agreements, in one call that carries the
    XML only of revisions not held yet (see :mod:`smile_ewp_gateway.iias.fragments`)."""
    tenant, cache = ctx.hei.hei_id, ctx.gateway.iia_fragments
    current = await generations(ctx.gateway.runtime.database, tenant, ids)
    found: dict[str, bytes] = {}
    stale: list[str] = []
    for iia_id in ids:
        entry = cache.current(tenant, partner, iia_id, current.get(iia_id, 0))
        if entry is None:
            stale.append(iia_id)
        elif entry.fragment is not None:
            found[iia_id] = entry.fragment
    held: dict[str, Entry] = {}
    for iia_id in stale:
        entry = cache.get(tenant, partner, iia_id)
        if entry is not None and entry.revision is not None and entry.fragment is not None:
            held[iia_id] = entry
    for _attempt in range(2):
        if not stale:
            break
        known = {i: e.revision for i, e in held.items() if e.revision is not None}
        items = await owner(ctx.gateway.owners.served_iias(tenant, partner, stale, known))
        now, answered, again = time.monotonic(), set(), []
        for item in items:
            iia_id, revision = str(item.get("iia_id")), str(item.get("revision"))
            if iia_id not in stale:
                continue
            answered.add(iia_id)
            fragment: bytes | None
            if item.get("ewp_xml") is None:
                previous = held.get(iia_id)
                if previous is None or previous.revision != revision:  # not what we hold: ask with its XML
                    again.append(iia_id)
                    continue
                fragment = previous.fragment
            else:
                fragment = _checked_fragment(item)
            cache.put(tenant, partner, iia_id, Entry(current.get(iia_id, 0), revision, fragment, now))
            if fragment is not None:
                found[iia_id] = fragment
        for iia_id in set(stale) - answered:  # not the partner's to fetch (unknown, draft, deleted, another's)
            cache.put(tenant, partner, iia_id, Entry(current.get(iia_id, 0), None, None, now))
        stale, held = again, {}
    return found


@ewp_endpoint(
    router, "/hei/{hei_id}/iias/get", api="iias", endpoint="get", operation_id="ewpIiasGet", summary="EWP IIAs get"
)
async def iias_get(ctx: EwpContext) -> Response:
    """IIAs API 7 ``get``: the university's copies of the IIAs it has with the caller's institution."""
    ids = ctx.params.many("iia_id", limit=ctx.gateway.settings.ewp_max_ids)
    if not ids:
        raise ParamError("iia_id is required")
    found: dict[str, bytes] = {}
    for partner in partner_of(ctx):
        found.update(await served_fragments(ctx, partner, list(dict.fromkeys(ids))))
    # the checked fragments are embedded as they are (each carries its namespace declarations)
    body = b"".join([_GET_OPEN, *(found[i] for i in dict.fromkeys(ids) if i in found), _GET_CLOSE])
    return Response(body, media_type=XML_MEDIA_TYPE)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/iias/index",
    api="iias",
    endpoint="index",
    operation_id="ewpIiasIndex",
    summary="EWP IIAs index",
)
async def iias_index(ctx: EwpContext) -> Response:
    """IIAs API 7 ``index``: ids of the IIAs the caller may ``get`` (by academic year, modified since)."""
    years = ctx.params.academic_years()
    since = ctx.params.modified_since()
    params = [("receiving_academic_year_id", f"{a}/{b}") for a, b in years]
    if since is not None:
        params.append(("modified_since", since.isoformat()))
    root = _INDEX.root("iias-index-response")
    for partner in partner_of(ctx):
        for iia_id in await owner(ctx.gateway.owners.iia_ids(ctx.hei.hei_id, partner, params)):
            _INDEX.sub(root, "iia-id", iia_id)
    return xml_response(root)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/iias/stats",
    api="iias",
    endpoint="stats",
    operation_id="ewpIiasStats",
    summary="EWP IIAs stats",
    methods=("GET",),
)
async def iias_stats(ctx: EwpContext) -> Response:
    """IIAs API 7 ``stats`` (for the EWP Stats Portal): how many IIAs are fetchable and approved by whom."""
    stats = await owner(ctx.gateway.owners.iia_stats(ctx.hei.hei_id))
    root = _STATS.root("iias-stats-response")
    for name in (
        "iia_fetchable",
        "iia_local_unapproved_partner_approved",
        "iia_local_approved_partner_unapproved",
        "iia_both_approved",
    ):
        value = stats.get(name)
        if not isinstance(value, int):
            raise EwpError(503, f"agreements gave no {name}")
        _STATS.sub(root, name.replace("_", "-"), value)
    return xml_response(root)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/iias-approval",
    api="iias-approval",
    endpoint="url",
    operation_id="ewpIiasApproval",
    summary="EWP IIAs Approval",
)
async def iias_approval(ctx: EwpContext) -> Response:
    """IIAs Approval API 2: which of the caller's IIAs (by the caller's ids) the university approved, and the
    hash of the copy it approved."""
    ids = ctx.params.many("iia_id", limit=ctx.gateway.settings.ewp_max_ids)
    if not ids:
        raise ParamError("iia_id is required")
    root = _APPROVAL.root("iias-approval-response")
    for partner in partner_of(ctx):
        for item in await owner(ctx.gateway.owners.iia_approvals(ctx.hei.hei_id, partner, list(dict.fromkeys(ids)))):
            if item.get("iia_id") in ids and isinstance(item.get("iia_hash"), str):
                approval = _APPROVAL.sub(root, "approval")
                _APPROVAL.sub(approval, "iia-id", item["iia_id"])
                _APPROVAL.sub(approval, "iia-hash", item["iia_hash"])
                if item.get("pdf_file_id"):
                    _APPROVAL.sub(approval, "pdf-file", item["pdf_file_id"])
    return xml_response(root)


@ewp_endpoint(
    router,
    "/hei/{hei_id}/file",
    api="file",
    endpoint="url",
    operation_id="ewpFile",
    summary="EWP File",
    methods=("GET",),
    extra_statuses=(404,),
)
async def file(ctx: EwpContext) -> Response:
    """File API 1: a file (e.g. an IIA's PDF) shared with the caller, by ``file_id``."""
    file_id = ctx.params.one("file_id", required=True)
    assert file_id is not None
    for partner in partner_of(ctx):
        response = await owner(ctx.gateway.owners.file(ctx.hei.hei_id, file_id, partner))
        if response is not None:
            return Response(
                response.content,
                media_type=response.headers.get("content-type", "application/octet-stream"),
                headers={"Cache-Control": "private, max-age=31536000, immutable"},
            )
    raise EwpError(404, f"no file {file_id} shared with you")
