"""The ewp-gateway service as the shared plumbing sees it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter

from smile_common.dataprotection import DataProtection
from smile_common.events import Consumer
from smile_common.service import Runtime, ServiceDefinition
from smile_ewp_gateway import privacy
from smile_ewp_gateway.db import data_protection, metadata, outbox, tables
from smile_ewp_gateway.identity.commands import COMMANDS
from smile_ewp_gateway.settings import EwpGatewaySettings


def _routers() -> Sequence[APIRouter]:
    from smile_ewp_gateway.admin import operations, traffic
    from smile_ewp_gateway.apis import catalogue, cnr, echo, iias, mobility
    from smile_ewp_gateway.discovery import endpoints as discovery
    from smile_ewp_gateway.testpartner.demo import demo_router

    return [
        discovery.router,
        echo.router,
        catalogue.router,
        iias.router,
        mobility.router,
        cnr.router,
        traffic.router,
        operations.router,
        demo_router(),
    ]


def _consumers(runtime: Runtime) -> Sequence[Consumer]:
    from smile_ewp_gateway.context import gateway_of
    from smile_ewp_gateway.notifications.handlers import outbound_consumer

    return [outbound_consumer(gateway_of(runtime))]


def _background(runtime: Runtime) -> Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]]:
    from smile_ewp_gateway.context import gateway_of
    from smile_ewp_gateway.maintenance import purge_loop
    from smile_ewp_gateway.notifications.inbound import InboundWorker
    from smile_ewp_gateway.notifications.outbound import OutboundWorker
    from smile_ewp_gateway.notifications.resync import resync_loop
    from smile_ewp_gateway.testpartner.demo import demo_scenario

    gateway = gateway_of(runtime)
    return [
        gateway.registry.run,
        InboundWorker(gateway).run,
        OutboundWorker(gateway).run,
        lambda stop: resync_loop(gateway, stop),
        lambda stop: purge_loop(gateway, stop),
        lambda stop: demo_scenario(gateway, stop),
    ]


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
    consumers=_consumers,
    background=_background,
    commands=COMMANDS,
    calls=("catalogue", "agreements", "records"),
    data_protection=DataProtection(
        tables=data_protection, retention=privacy.retention_rules, subjects=privacy.person_data
    ),
    openapi_tags=[
        {"name": "EWP network", "description": "Served to EWP partner nodes (HTTP signatures, XML)."},
        {"name": "traffic log", "description": "Every EWP exchange, for the office and IT staff."},
        {"name": "EWP operations", "description": "Notification queues, registry, partners, keys."},
    ],
)
