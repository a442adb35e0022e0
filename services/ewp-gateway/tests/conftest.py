"""Fixtures of the gateway's tests: a small EWP network (SMILE, a fake registry, a fake partner) and the
services whose data SMILE serves: the real catalogue (filled through its API) and agreements services. The
tests of transcripts add the real records service (``test_tors_from_records.py``); only the outside world
(registry, partners, Stats Portal) is faked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from smile_agreements.definition import DEFINITION as AGREEMENTS
from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.testing.harness import ServiceHarness
from smile_ewp_gateway.context import gateway_of
from smile_ewp_gateway.definition import DEFINITION
from smile_ewp_gateway.discovery.manifest import manifest_url
from smile_ewp_gateway.httpsig import SigningKey
from smile_ewp_gateway.httpsig.keys import generate_private_key
from smile_ewp_gateway.settings import CoveredHei
from smile_ewp_gateway.testpartner.node import FakePartner
from smile_ewp_gateway.testpartner.owners import fill_catalogue
from smile_ewp_gateway.testpartner.world import (
    REGISTRY,
    SMILE,
    SMILE_HEI,
    RoutingTransport,
    World,
    manifest_from,
    network_registry,
)

OWNER_URLS = {
    "catalogue": "http://catalogue.test",
    "agreements": "http://agreements.test",
    "records": "http://records.test",
}


@pytest.fixture(scope="session")
def partner_keys() -> tuple[SigningKey, SigningKey]:
    return SigningKey(generate_private_key()), SigningKey(generate_private_key())


@pytest.fixture
async def world(
    make_harness: Callable[..., Awaitable[ServiceHarness]], partner_keys: tuple[SigningKey, SigningKey]
) -> World:
    transport, owners_transport = RoutingTransport(), RoutingTransport()
    partner = FakePartner(transport=transport, registry_url=REGISTRY, keys=partner_keys)
    agreements = await make_harness(AGREEMENTS)
    catalogue = await make_harness(CATALOGUE)
    course = await fill_catalogue(catalogue)
    harness = await make_harness(
        DEFINITION,
        ewp_base_url=SMILE,
        ewp_registry_url=REGISTRY,
        ewp_heis=[
            CoveredHei(
                hei_id=SMILE_HEI, names={"fr": "Université de Caen Normandie"}, other_ids={"erasmus": "F  CAEN01"}
            )
        ],
        service_urls=OWNER_URLS,
        ewp_cnr_batch_seconds=0,
        ewp_retry_base_seconds=0.05,
        ewp_worker_poll_seconds=0.05,
        ewp_resync_hours=0,
    )
    harness.runtime.extras["ewp_transport"] = transport
    harness.runtime.extras["ewp_owner_transport"] = owners_transport
    gateway = gateway_of(harness.runtime)
    owners_transport.add(OWNER_URLS["catalogue"], catalogue.app)
    owners_transport.add(OWNER_URLS["agreements"], agreements.app)
    transport.add(SMILE, harness.app)
    transport.add(partner.base_url, partner.app())
    smile_manifest = manifest_from(manifest_url(gateway.settings, SMILE_HEI), transport)
    transport.add("https://registry.test", network_registry([partner], lambda: [smile_manifest]))
    outcome = await gateway.registry.refresh()
    assert outcome.status == "updated", outcome
    return World(
        harness,
        gateway,
        partner,
        transport,
        agreements=agreements,
        catalogue=catalogue,
        course=course,
        owner_transport=owners_transport,
    )
