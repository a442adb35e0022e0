"""Both directions over real sockets and TLS on loopback: SMILE's gateway, the test registry and the test
partner are separate HTTPS servers; the registry fetches SMILE's manifest at the URL the manifest
publishes, and the partner and SMILE call each other at the URLs the registry gives."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from smile_agreements.definition import DEFINITION as AGREEMENTS
from smile_common.testing.harness import ServiceHarness
from smile_ewp_gateway.context import gateway_of
from smile_ewp_gateway.definition import DEFINITION
from smile_ewp_gateway.discovery.manifest import manifest_url
from smile_ewp_gateway.httpsig import SigningKey
from smile_ewp_gateway.settings import CoveredHei
from smile_ewp_gateway.testpartner.node import FakePartner
from smile_ewp_gateway.testpartner.servers import bound_socket, make_tls, running
from smile_ewp_gateway.testpartner.world import SMILE_HEI, RoutingTransport, manifest_from, network_registry

from .test_iia_flow import iia_round_trip


async def test_iia_round_trip_over_https(
    make_harness: Callable[..., Awaitable[ServiceHarness]], tmp_path: Path, partner_keys: tuple[SigningKey, SigningKey]
) -> None:
    tls = make_tls(tmp_path / "tls")
    trust = ssl.create_default_context(cafile=str(tls.ca_file))
    smile_sock, partner_sock, registry_sock = bound_socket(), bound_socket(), bound_socket()
    smile_url = f"https://localhost:{smile_sock.getsockname()[1]}"
    registry_url = f"https://localhost:{registry_sock.getsockname()[1]}/catalogue-v1.xml"
    partner = FakePartner(
        base_url=f"https://localhost:{partner_sock.getsockname()[1]}",
        registry_url=registry_url,
        verify=trust,
        keys=partner_keys,
    )
    agreements = await make_harness(AGREEMENTS)
    gateway_harness = await make_harness(
        DEFINITION,
        ewp_base_url=smile_url,
        ewp_registry_url=registry_url,
        ewp_ca_file=tls.ca_file,
        ewp_heis=[CoveredHei(hei_id=SMILE_HEI, names={"fr": "Université de Caen Normandie"})],
        service_urls={"agreements": "http://agreements.test"},
        ewp_cnr_batch_seconds=0,
        ewp_worker_poll_seconds=0.05,
        ewp_resync_hours=0,
    )
    owners = RoutingTransport()
    owners.add("http://agreements.test", agreements.app)
    gateway_harness.runtime.extras["ewp_owner_transport"] = owners
    gateway = gateway_of(gateway_harness.runtime)
    fetch_manifest = manifest_from(manifest_url(gateway.settings, SMILE_HEI), httpx.AsyncHTTPTransport(verify=trust))
    registry = network_registry([partner], lambda: [fetch_manifest])
    async with (
        running(gateway_harness.app, smile_sock, tls),
        running(partner.app(), partner_sock, tls),
        running(registry, registry_sock, tls),
    ):
        assert (await gateway.registry.refresh()).status == "updated"
        async with httpx.AsyncClient(verify=trust) as client:
            manifest = await client.get(manifest_url(gateway.settings, SMILE_HEI))
        assert manifest.status_code == 200
        assert f"<url>{smile_url}/hei/{SMILE_HEI}/echo</url>" in manifest.text
        await agreements.start_worker()
        await gateway_harness.start_worker()
        try:
            await iia_round_trip(partner, agreements, gateway_harness)
        except AssertionError:
            import sqlalchemy as sa

            from smile_ewp_gateway.db import InboundChange, Traffic

            async with gateway_harness.runtime.database.sessionmaker() as s:
                for r in (await s.scalars(sa.select(InboundChange))).all():
                    print("ROW", r.api, r.status, r.last_error)
                for t in (await s.scalars(sa.select(Traffic))).all():
                    print("TRAFFIC", t.direction, t.api, t.status, t.error)
            raise
