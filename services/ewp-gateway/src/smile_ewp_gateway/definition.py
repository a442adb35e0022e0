"""The ewp-gateway service as the shared plumbing sees it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter

from smile_common.service import ServiceDefinition
from smile_ewp_gateway.db import metadata, outbox, tables
from smile_ewp_gateway.settings import EwpGatewaySettings


def _routers() -> Sequence[APIRouter]:
    from smile_ewp_gateway.apis import echo
    from smile_ewp_gateway.discovery import endpoints as discovery

    return [discovery.router, echo.router]


DEFINITION = ServiceDefinition(
    name="ewp_gateway",
    title="SMILE ewp-gateway",
    description=(
        "SMILE on the Erasmus Without Paper network: the EWP APIs served to partners (XML, HTTP signatures, "
        "under `/hei/{hei_id}/...`), the calls to partners' APIs, change notifications, and the traffic log."
    ),
    version="0.1.0",
    settings_cls=EwpGatewaySettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=_routers,
    openapi_tags=[
        {"name": "EWP network", "description": "Served to EWP partner nodes (HTTP signatures, XML)."},
    ],
)
