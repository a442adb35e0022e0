"""The ewp-gateway service as the shared plumbing sees it."""

from __future__ import annotations

from pathlib import Path

from smile_common.service import ServiceDefinition
from smile_ewp_gateway.db import metadata, outbox, tables
from smile_ewp_gateway.settings import EwpGatewaySettings

DEFINITION = ServiceDefinition(
    name="ewp_gateway",
    title="SMILE ewp-gateway",
    description="SMILE EWP gateway: the Erasmus Without Paper network.",
    version="0.1.0",
    settings_cls=EwpGatewaySettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=lambda: [],
)
