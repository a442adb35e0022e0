"""Echo 2.0.1: tests a partner's security stack; answers the caller's covered institutions and its echoes."""

from __future__ import annotations

from fastapi import APIRouter, Response

from smile_ewp_gateway.server.framework import EwpContext, ewp_endpoint, xml_response
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E

router = APIRouter()
_E = E(ns.api_ns("echo", 2))


@ewp_endpoint(router, "/hei/{hei_id}/echo", api="echo", endpoint="url", operation_id="ewpEcho", summary="EWP Echo")
async def echo(ctx: EwpContext) -> Response:
    """Echo API 2: the institutions the caller's key covers, then every ``echo`` value in order."""
    root = _E.root("response")
    for hei_id in sorted(ctx.caller.hei_ids):
        _E.sub(root, "hei-id", hei_id)
    for value in ctx.params.many("echo"):
        _E.sub(root, "echo", value)
    return xml_response(root)
