"""The fake partner's EWP endpoints (each checks the HTTP signature of SMILE's request first)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response
from lxml import etree

from smile_ewp_gateway.httpsig import Caller
from smile_ewp_gateway.server.params import EwpParams, ParamError, parse_params
from smile_ewp_gateway.testpartner.data import IIA_NS, LA_NS, OMOBILITY_NS, example_institution, example_ounit
from smile_ewp_gateway.testpartner.node import FakePartner, PartnerError, Received, document, parse_body
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E
from smile_ewp_gateway.xmlkit.safe import XmlError
from smile_ewp_gateway.xmlkit.schemas import SchemaError, ewp_schemas

__all__ = ["install"]

Handler = Callable[[Request, Caller, EwpParams, bytes], Awaitable[Response]]


def install(partner: FakePartner, app: FastAPI) -> None:
    def route(path: str, api: str, methods: tuple[str, ...], handler: Handler) -> None:
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            partner.requests_seen += 1
            if request.method not in methods:
                return partner.error(request, 405, f"use {methods}")
            caller: Caller | None = None
            try:
                caller = await partner.authenticate(request, body)
                if api in partner.fail_with:
                    return partner.error(request, partner.fail_with[api], "simulated failure", caller)
                query = request.scope.get("query_string") or b""
                content_type = request.headers.get("content-type")
                is_xml = "xml" in (content_type or "")
                params = parse_params(request.method, query, None if is_xml else content_type, b"" if is_xml else body)
                return await handler(request, caller, params, body)
            except PartnerError as exc:
                return partner.error(request, exc.status, exc.message, caller)
            except ParamError as exc:
                return partner.error(request, exc.status, exc.message, caller)

        app.add_api_route(path, endpoint, methods=["GET", "POST", "PUT", "DELETE"], include_in_schema=False)

    def record(api: str, caller: Caller, params: EwpParams, body: bytes) -> None:
        partner.received.append(Received(api, params.values, body, caller.hei_ids))

    async def echo(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        e = E(ns.api_ns("echo", 2))
        root = e.root("response")
        for hei in sorted(caller.hei_ids):
            e.sub(root, "hei-id", hei)
        for value in params.many("echo"):
            e.sub(root, "echo", value)
        return partner.respond(request, document(root), caller=caller)

    async def institutions(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        ids = params.many("hei_id", limit=partner.max_ids)
        e = E(ns.api_ns("institutions", 2))
        root = e.root("institutions-response")
        if partner.hei_id in ids:
            root.append(copy.deepcopy(partner.institution or example_institution(partner.hei_id, partner.names)))
        return partner.respond(request, document(root), caller=caller)

    async def ounits(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        """Organizational Units 2: the units the partner's institution lists, by id (code = id upper-cased)."""
        if params.one("hei_id", required=True) != partner.hei_id:
            raise PartnerError(400, "unknown hei_id")
        institution = partner.institution or example_institution(partner.hei_id, partner.names)
        listed = [e.text for e in institution.iterfind(f"{{{ns.api_ns('institutions', 2)}}}ounit-id") if e.text]
        root = E(ns.api_ns("ounits", 2)).root("ounits-response")
        for ounit_id in params.many("ounit_id", limit=partner.max_ids):
            if ounit_id in listed:
                root.append(example_ounit(ounit_id, ounit_id.split(".")[0].upper()))
        record("organizational-units", caller, params, body)
        return partner.respond(request, document(root), caller=caller)

    def visible_iias(caller: Caller) -> dict[str, etree._Element]:
        out = {}
        for iia_id, iia in partner.iias.items():
            second = iia.findall(f"{{{IIA_NS}}}partner")[1].findtext(f"{{{IIA_NS}}}hei-id")
            if second in caller.hei_ids:
                out[iia_id] = iia
        return out

    async def iias_get(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        ids = params.many("iia_id", limit=partner.max_ids)
        if not ids:
            raise ParamError("iia_id is required")
        root = etree.Element(f"{{{IIA_NS}}}iias-get-response", nsmap={None: IIA_NS, "c": ns.CONTACT})
        visible = visible_iias(caller)
        for iia_id in ids:
            if iia_id in visible:
                root.append(copy.deepcopy(visible[iia_id]))
        ewp_schemas.validate(root)
        return partner.respond(request, document(root), caller=caller)

    async def iias_index(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        params.modified_since()
        index_ns = ns.api_ns("iias", 7, "index-response")
        e = E(index_ns)
        root = e.root("iias-index-response")
        for iia_id in visible_iias(caller):
            e.sub(root, "iia-id", iia_id)
        return partner.respond(request, document(root), caller=caller)

    async def approvals(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        ids = params.many("iia_id", limit=partner.max_ids)
        e = E(ns.api_ns("iias-approval", 2))
        root = e.root("iias-approval-response")
        for iia_id in ids:
            if iia_id in partner.approvals_given:
                approval = e.sub(root, "approval")
                e.sub(approval, "iia-id", iia_id)
                e.sub(approval, "iia-hash", partner.approvals_given[iia_id])
        return partner.respond(request, document(root), caller=caller)

    def cnr(api: str, response_root: str, namespace: str, required: str) -> Handler:
        async def handler(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
            if not params.many(required):
                raise ParamError(f"{required} is required")
            record(api, caller, params, body)
            return partner.respond(request, document(E(namespace).root(response_root)), caller=caller)

        return handler

    def visible_mobilities(caller: Caller) -> dict[str, etree._Element]:
        return {
            k: v
            for k, v in partner.nominations.items()
            if v.findtext(f"{{{OMOBILITY_NS}}}nomination/{{{OMOBILITY_NS}}}receiving-hei/{{{OMOBILITY_NS}}}hei-id")
            in caller.hei_ids
        }

    async def omobilities_get(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        ids = params.many("omobility_id", limit=partner.max_ids)
        root = etree.Element(f"{{{OMOBILITY_NS}}}omobilities-get-response", nsmap={None: OMOBILITY_NS})
        visible = visible_mobilities(caller)
        for omobility_id in ids:
            if omobility_id in visible:
                root.append(copy.deepcopy(visible[omobility_id]))
        ewp_schemas.validate(root)
        return partner.respond(request, document(root), caller=caller)

    async def omobilities_index(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        params.modified_since()
        e = E(ns.api_ns("omobilities", 3, "index-response"))
        root = e.root("omobilities-index-response")
        for omobility_id in visible_mobilities(caller):
            e.sub(root, "omobility-id", omobility_id)
        return partner.respond(request, document(root), caller=caller)

    def update_document(request: Request, body: bytes) -> etree._Element:
        if "xml" not in (request.headers.get("content-type") or ""):
            raise PartnerError(415, "update requests are XML documents")
        try:
            return ewp_schemas.validate(parse_body(body))
        except (XmlError, SchemaError) as exc:
            raise PartnerError(400, f"invalid update request: {exc}") from exc

    async def omobilities_update(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        root = update_document(request, body)
        u = ns.api_ns("omobilities", 3, "update-request")
        action = root[0]
        omobility_id = action.findtext(f"{{{u}}}omobility-id")
        mobility = visible_mobilities(caller).get(omobility_id or "")
        if mobility is None:
            raise PartnerError(400, f"no mobility {omobility_id} for you")
        nomination = mobility.find(f"{{{OMOBILITY_NS}}}nomination")
        assert nomination is not None
        if action.findtext(f"{{{u}}}proposal-id") != nomination.get("proposal-id"):
            raise PartnerError(409, "the nomination changed since (stale proposal-id)")
        approve = etree.QName(action).localname == "approve-proposal-v1"
        mobility.find(f"{{{OMOBILITY_NS}}}status").text = "approved" if approve else "rejected"  # type: ignore[union-attr]
        record("omobilities-update", caller, params, body)
        e = E(ns.api_ns("omobilities", 3, "update-response"), {"ewp": ns.COMMON})
        response = e.root("omobilities-update-response")
        e.sub(response, "success-user-message", "Thank you, the decision was recorded.", ns.COMMON)
        return partner.respond(request, document(response), caller=caller)

    def visible_las(caller: Caller) -> dict[str, etree._Element]:
        return {
            k: v
            for k, v in partner.las.items()
            if v.findtext(f"{{{LA_NS}}}receiving-hei/{{{LA_NS}}}hei-id") in caller.hei_ids
        }

    async def las_get(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        if params.one("sending_hei_id", required=True) != partner.hei_id:
            raise ParamError("unknown sending_hei_id")
        ids = params.many("omobility_id", limit=partner.max_ids)
        root = etree.Element(f"{{{LA_NS}}}omobility-las-get-response", nsmap={None: LA_NS, "trm": ns.TERM_V2})
        visible = visible_las(caller)
        for omobility_id in ids:
            if omobility_id in visible:
                root.append(copy.deepcopy(visible[omobility_id]))
        ewp_schemas.validate(root)
        return partner.respond(request, document(root), caller=caller)

    async def las_index(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        if params.one("sending_hei_id", required=True) != partner.hei_id:
            raise ParamError("unknown sending_hei_id")
        params.modified_since()
        e = E(ns.api_ns("omobility-las", 1, "index-response"))
        root = e.root("omobility-las-index-response")
        for omobility_id in visible_las(caller):
            e.sub(root, "omobility-id", omobility_id)
        return partner.respond(request, document(root), caller=caller)

    async def las_update(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        root = update_document(request, body)
        u = ns.api_ns("omobility-las", 1, "update-request")
        if root.findtext(f"{{{u}}}sending-hei-id") != partner.hei_id:
            raise PartnerError(400, "sending-hei-id is not this institution")
        action = root[1]
        omobility_id = action.findtext(f"{{{u}}}omobility-id") or ""
        la = visible_las(caller).get(omobility_id)
        if la is None:
            raise PartnerError(400, f"no learning agreement {omobility_id} for you")
        proposal = la.find(f"{{{LA_NS}}}changes-proposal")
        if proposal is None or action.findtext(f"{{{u}}}changes-proposal-id") != proposal.get("id"):
            raise PartnerError(409, "the changes proposal changed since (stale changes-proposal-id)")
        if etree.QName(action).localname == "approve-proposal-v1":
            _approve_la(la, proposal, action.find(f"{{{u}}}signature"))
        record("omobility-las-update", caller, params, body)
        e = E(ns.api_ns("omobility-las", 1, "update-response"), {"ewp": ns.COMMON})
        return partner.respond(request, document(e.root("omobility-las-update-response")), caller=caller)

    async def monitoring(request: Request, caller: Caller, params: EwpParams, body: bytes) -> Response:
        """Monitoring API 0.2.0 (the Stats Portal's): an error report about a partner's API."""
        params.one("server_hei_id", required=True)
        params.one("api_name", required=True)
        record("monitoring", caller, params, body)
        return partner.respond(
            request, document(E(ns.api_ns("monitoring", 1)).root("monitoring-response")), caller=caller
        )

    route("/echo", "echo", ("GET", "POST"), echo)
    route("/monitoring", "monitoring", ("POST",), monitoring)
    route("/institutions", "institutions", ("GET", "POST"), institutions)
    route("/ounits", "organizational-units", ("GET", "POST"), ounits)
    route("/iias/get", "iias", ("GET", "POST"), iias_get)
    route("/iias/index", "iias", ("GET", "POST"), iias_index)
    route("/iias-approval", "iias-approval", ("GET", "POST"), approvals)
    route("/iia-cnr", "iia-cnr", ("POST",), cnr("iia-cnr", "iia-cnr-response", ns.api_ns("iia-cnr", 3), "iia_id"))
    route(
        "/iia-approval-cnr",
        "iia-approval-cnr",
        ("POST",),
        cnr("iia-approval-cnr", "iia-approval-cnr-response", ns.api_ns("iia-approval-cnr", 2), "iia_id"),
    )
    route("/omobilities/get", "omobilities", ("GET", "POST"), omobilities_get)
    route("/omobilities/index", "omobilities", ("GET", "POST"), omobilities_index)
    route("/omobilities/update", "omobilities-update", ("POST",), omobilities_update)
    route("/las/get", "omobility-las", ("GET", "POST"), las_get)
    route("/las/index", "omobility-las", ("GET", "POST"), las_index)
    route("/las/update", "omobility-las-update", ("POST",), las_update)
    route(
        "/imobility-cnr",
        "imobility-cnr",
        ("POST",),
        cnr("imobility-cnr", "imobility-cnr-response", ns.api_ns("imobility-cnr", 2), "omobility_id"),
    )
    route(
        "/imobility-tor-cnr",
        "imobility-tor-cnr",
        ("POST",),
        cnr("imobility-tor-cnr", "imobility-tor-cnr-response", ns.api_ns("imobility-tor-cnr", 2), "omobility_id"),
    )


def _approve_la(la: etree._Element, proposal: etree._Element, signature: etree._Element | None) -> None:
    """The receiving side signed: the proposal becomes the approved version."""
    approved = copy.deepcopy(proposal)
    approved.attrib.pop("id", None)
    for child in approved.findall(f"{{{LA_NS}}}student"):
        approved.remove(child)
    target = "approved-changes" if la.find(f"{{{LA_NS}}}first-version") is not None else "first-version"
    approved.tag = f"{{{LA_NS}}}{target}"
    receiving = etree.SubElement(approved, f"{{{LA_NS}}}receiving-hei-signature")
    for child in signature if signature is not None else []:
        etree.SubElement(receiving, f"{{{LA_NS}}}{etree.QName(child).localname}").text = child.text
    if receiving.find(f"{{{LA_NS}}}timestamp") is None:
        etree.SubElement(receiving, f"{{{LA_NS}}}timestamp").text = datetime.now(UTC).isoformat()
    previous = la.find(f"{{{LA_NS}}}{target}")
    position = list(la).index(proposal)
    if previous is not None:
        la.replace(previous, approved)
    else:
        la.insert(position, approved)
    la.remove(proposal)
