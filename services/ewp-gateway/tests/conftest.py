"""Fixtures of the gateway's tests: a small EWP network (SMILE, a fake registry, a fake partner)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from smile_common.testing.harness import ServiceHarness
from smile_ewp_gateway.context import gateway_of
from smile_ewp_gateway.definition import DEFINITION
from smile_ewp_gateway.discovery.manifest import manifest_url
from smile_ewp_gateway.settings import CoveredHei
from smile_ewp_gateway.testpartner.node import FakePartner
from smile_ewp_gateway.testpartner.world import (
    REGISTRY,
    SMILE,
    SMILE_HEI,
    RoutingTransport,
    World,
    manifest_from,
    network_registry,
)


@pytest.fixture
async def world(make_harness: Callable[..., Awaitable[ServiceHarness]]) -> World:
    transport = RoutingTransport()
    partner = FakePartner(transport=transport, registry_url=REGISTRY)
    harness = await make_harness(
        DEFINITION,
        ewp_base_url=SMILE,
        ewp_registry_url=REGISTRY,
        ewp_heis=[
            CoveredHei(
                hei_id=SMILE_HEI, names={"fr": "Université de Caen Normandie"}, other_ids={"erasmus": "F  CAEN01"}
            )
        ],
    )
    harness.runtime.extras["ewp_transport"] = transport
    gateway = gateway_of(harness.runtime)
    transport.add(SMILE, harness.app)
    transport.add(partner.base_url, partner.app())
    smile_manifest = manifest_from(manifest_url(gateway.settings, SMILE_HEI), transport)
    transport.add("https://registry.test", network_registry([partner], lambda: [smile_manifest]))
    outcome = await gateway.registry.refresh()
    assert outcome.status == "updated", outcome
    return World(harness, gateway, partner, transport)
