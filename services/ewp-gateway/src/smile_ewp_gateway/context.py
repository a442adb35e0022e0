"""What every part of the gateway shares inside one process: settings, registry, keys, HTTP clients.

Built once per runtime (``gateway_of(runtime)``). Tests may put an ``httpx`` transport in
``runtime.extras["ewp_transport"]`` (partners, registry) and ``runtime.extras["ewp_owner_transport"]``
(the other SMILE services) before the first use.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import certifi
import httpx

from smile_common.service import Runtime
from smile_ewp_gateway.httpsig import RequestIdCache
from smile_ewp_gateway.identity.keystore import KeyKind, KeyStore, StoredKey
from smile_ewp_gateway.iias.fragments import FragmentCache
from smile_ewp_gateway.owners.client import Owners
from smile_ewp_gateway.registry.service import RegistryService
from smile_ewp_gateway.settings import EwpGatewaySettings

if TYPE_CHECKING:
    from smile_ewp_gateway.testpartner.demo import DemoNetwork

__all__ = ["Gateway", "gateway_of"]

_EXTRA = "ewp_gateway"


@dataclass
class Gateway:
    runtime: Runtime
    settings: EwpGatewaySettings
    transport: httpx.AsyncBaseTransport | None = None
    owner_transport: httpx.AsyncBaseTransport | None = None
    request_ids: RequestIdCache = field(default_factory=RequestIdCache)
    #: set when a CNR was queued / a call was queued, so that the workers of this process start at once
    inbound_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    outbound_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    #: checked ``<iia>`` fragments of the IIAs served, until agreements changes them (see ``iias.fragments``)
    iia_fragments: FragmentCache = field(default_factory=FragmentCache)

    def wake_inbound(self) -> None:
        self.inbound_wakeup.set()

    def wake_outbound(self) -> None:
        self.outbound_wakeup.set()

    @cached_property
    def keys(self) -> KeyStore:
        store = KeyStore(self.settings.keys_dir)
        if self.settings.is_dev:
            store.ensure(h.hei_id for h in self.settings.covered_heis)
        return store

    @cached_property
    def registry(self) -> RegistryService:
        from smile_ewp_gateway.registry.institutions import announce_institutions

        return RegistryService(
            self.settings,
            self.runtime.database,
            lambda: self.http(timeout=60.0),
            on_new_catalogue=lambda session, catalogue: announce_institutions(self, session, catalogue),
        )

    @cached_property
    def demo(self) -> DemoNetwork:
        from smile_ewp_gateway.testpartner.demo import DemoNetwork

        return DemoNetwork(self)

    @cached_property
    def owners(self) -> Owners:
        return Owners(self)

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        """Built once: loading CA certificates costs far more than a request."""
        context = ssl.create_default_context(cafile=certifi.where())
        if self.settings.ewp_ca_file is not None:
            context.load_verify_locations(cafile=str(self.settings.ewp_ca_file))
        return context

    @cached_property
    def _network(self) -> httpx.AsyncBaseTransport:
        return SharedTransport(httpx.AsyncHTTPTransport(verify=self.ssl_context, retries=0))

    @cached_property
    def owner_network(self) -> httpx.AsyncBaseTransport:
        """Connections to the other SMILE services, kept alive between requests."""
        return self.owner_transport or SharedTransport(httpx.AsyncHTTPTransport(retries=0))

    def http(self, *, timeout: float | None = None, **kwargs: Any) -> httpx.AsyncClient:
        """A client for the EWP network (partners, registry): TLS verified, no redirects followed."""
        return httpx.AsyncClient(
            transport=self.transport or self._network,
            timeout=httpx.Timeout(timeout or self.settings.ewp_timeout_seconds, connect=10.0),
            follow_redirects=False,
            **kwargs,
        )

    def signing_key(self, hei_id: str, kind: KeyKind) -> StoredKey:
        catalogue = self.registry.current
        registered = None
        if catalogue is not None:
            registered = catalogue.is_client_key if kind == "client" else catalogue.is_server_key
        return self.keys.signing_key(hei_id, kind, registered)


class SharedTransport(httpx.AsyncBaseTransport):
    """A transport (and its connection pool) shared by short-lived clients: closing a client keeps it open."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        return None


def gateway_of(runtime: Runtime) -> Gateway:
    gateway: Gateway | None = runtime.extras.get(_EXTRA)
    if gateway is None:
        settings = runtime.settings
        assert isinstance(settings, EwpGatewaySettings)
        gateway = Gateway(
            runtime=runtime,
            settings=settings,
            transport=runtime.extras.get("ewp_transport"),
            owner_transport=runtime.extras.get("ewp_owner_transport"),
        )
        runtime.extras[_EXTRA] = gateway
    return gateway
