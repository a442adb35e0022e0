"""The change notification receivers SMILE serves: IIA CNR 3, IIA Approval CNR 2, Outgoing Mobility CNR 2
and Outgoing Mobility LA CNR 1.1.

A notification is answered 200 as soon as it is understood: the ids are queued (a second notification
of an id still waiting merges with the first) and the worker fetches them later from the partner. An
unknown or deleted id is not an error; only a malformed or unauthenticated request is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Response

from smile_ewp_gateway.notifications.inbound import queue_changes
from smile_ewp_gateway.server.framework import EwpContext, ewp_endpoint, xml_response
from smile_ewp_gateway.server.params import ParamError
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E

router = APIRouter()


async def _queue(ctx: EwpContext, api: str, ids: Sequence[str]) -> None:
    ctx.require_partner()
    for partner in sorted(ctx.caller.hei_ids):
        await queue_changes(
            ctx.gateway, local_hei_id=ctx.hei.hei_id, partner_hei_id=partner, api=api, entity_ids=ids, source="cnr"
        )


def _empty(api: str, major: int, root: str) -> Response:
    return xml_response(E(ns.api_ns(api, major)).root(root))


@ewp_endpoint(
    router,
    "/hei/{hei_id}/iia-cnr",
    api="iia-cnr",
    endpoint="url",
    operation_id="ewpIiaCnr",
    summary="EWP IIA CNR",
    methods=("POST",),
)
async def iia_cnr(ctx: EwpContext) -> Response:
    """IIA CNR 3: the caller created, changed or deleted its IIA ``iia_id``; SMILE will fetch it."""
    iia_id = ctx.params.one("iia_id", required=True)
    assert iia_id is not None
    await _queue(ctx, "iias", [iia_id])
    return _empty("iia-cnr", 3, "iia-cnr-response")


@ewp_endpoint(
    router,
    "/hei/{hei_id}/iia-approval-cnr",
    api="iia-approval-cnr",
    endpoint="url",
    operation_id="ewpIiaApprovalCnr",
    summary="EWP IIA Approval CNR",
    methods=("POST",),
)
async def iia_approval_cnr(ctx: EwpContext) -> Response:
    """IIA Approval CNR 2: the caller approved SMILE's IIA ``iia_id`` (SMILE's id); SMILE will read the approval."""
    iia_id = ctx.params.one("iia_id", required=True)
    assert iia_id is not None
    await _queue(ctx, "iias-approval", [iia_id])
    return _empty("iia-approval-cnr", 2, "iia-approval-cnr-response")


@ewp_endpoint(
    router,
    "/hei/{hei_id}/omobility-cnr",
    api="omobility-cnr",
    endpoint="url",
    operation_id="ewpOmobilityCnr",
    summary="EWP Outgoing Mobility CNR",
    methods=("POST",),
)
async def omobility_cnr(ctx: EwpContext) -> Response:
    """Outgoing Mobility CNR 2: nominations of the caller changed; SMILE will fetch them."""
    ids = ctx.params.many("omobility_id", limit=ctx.gateway.settings.ewp_max_ids)
    if not ids:
        raise ParamError("omobility_id is required")
    await _queue(ctx, "omobilities", ids)
    return _empty("omobility-cnr", 2, "omobility-cnr-response")


@ewp_endpoint(
    router,
    "/hei/{hei_id}/omobility-la-cnr",
    api="omobility-la-cnr",
    endpoint="url",
    operation_id="ewpOmobilityLaCnr",
    summary="EWP Outgoing Mobility LA CNR",
    methods=("POST",),
)
async def omobility_la_cnr(ctx: EwpContext) -> Response:
    """Outgoing Mobility LA CNR 1.1: learning agreements of the caller changed; SMILE will fetch them."""
    sending = ctx.params.one("sending_hei_id", required=True)
    ids = ctx.params.many("omobility_id", limit=ctx.gateway.settings.ewp_max_ids)
    if not ids:
        raise ParamError("omobility_id is required")
    ctx.require_partner()
    if sending not in ctx.caller.hei_ids:
        raise ParamError(f"sending_hei_id {sending!r} is not covered by your key")
    await queue_changes(
        ctx.gateway,
        local_hei_id=ctx.hei.hei_id,
        partner_hei_id=sending or "",
        api="omobility-las",
        entity_ids=ids,
        source="cnr",
    )
    return xml_response(E(ns.api_ns("omobility-la-cnr", 1)).root("omobility-la-cnr-response"))
