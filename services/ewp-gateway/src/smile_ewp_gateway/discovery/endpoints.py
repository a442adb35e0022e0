"""Serving the manifests (anonymous GET, as the registry fetches them)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from smile_common.errors import NotFound, problem_responses
from smile_common.service import runtime_of
from smile_ewp_gateway.context import gateway_of
from smile_ewp_gateway.discovery.manifest import build_manifest

router = APIRouter(tags=["EWP network"])


@router.get(
    "/hei/{hei_id}/manifest.xml",
    operation_id="ewpManifest",
    summary="Discovery manifest of a covered university",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {}}, "description": "Discovery v6 manifest"},
        **problem_responses(404),
    },
)
async def manifest(hei_id: str, request: Request) -> Response:
    """The Discovery v6 manifest of ``hei_id``: the URL to register with the EWP registry."""
    gateway = gateway_of(runtime_of(request))
    hei = gateway.settings.covered(hei_id)
    if hei is None:
        raise NotFound(f"SMILE does not cover {hei_id} on the EWP network")
    body = build_manifest(gateway.settings, hei, gateway.keys)
    return Response(body, media_type="application/xml; charset=utf-8", headers={"Cache-Control": "no-cache"})
