"""A small EWP network for tests: SMILE's gateway, a fake registry and fake partners, wired by host name.

``RoutingTransport`` sends each request to the ASGI app (or real transport) of its host, so that the
gateway, the registry and the partners call each other with their real URLs. Tests that need real
sockets and TLS use :mod:`smile_ewp_gateway.testpartner.servers` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from lxml import etree
from starlette.applications import Starlette
from starlette.routing import Mount

from smile_common.testing.harness import ServiceHarness
from smile_ewp_gateway.context import Gateway
from smile_ewp_gateway.httpsig import EwpSignatureAuth, verify_response
from smile_ewp_gateway.testpartner.node import FakePartner
from smile_ewp_gateway.testpartner.registry import ManifestSource, registry_app
from smile_ewp_gateway.xmlkit.schemas import ewp_schemas

__all__ = [
    "REGISTRY",
    "SMILE",
    "SMILE_HEI",
    "RoutingTransport",
    "World",
    "assert_valid_xml",
    "manifest_from",
    "network_registry",
]


class RoutingTransport(httpx.AsyncBaseTransport):
    """Dispatch by host (``host`` or ``host:port``) to ASGI apps or other transports."""

    def __init__(self) -> None:
        self.routes: dict[str, httpx.AsyncBaseTransport] = {}
        self.sent: list[httpx.Request] = []

    def add(self, url: str, target: FastAPI | httpx.AsyncBaseTransport) -> None:
        """Route ``url``'s host to ``target``; an app is mounted at ``url``'s path, as behind a proxy."""
        if not isinstance(target, httpx.AsyncBaseTransport):
            path = urlsplit(url).path.rstrip("/")
            app: Any = Starlette(routes=[Mount(path, app=target)]) if path else target
            target = httpx.ASGITransport(app=app)
        self.routes[urlsplit(url).netloc] = target

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        host = request.url.netloc.decode("ascii")
        transport = self.routes.get(host)
        if transport is None:
            raise httpx.ConnectError(f"no route to {host}", request=request)
        return await transport.handle_async_request(request)


def manifest_from(url: str, transport: httpx.AsyncBaseTransport, **client_args: object) -> ManifestSource:
    """A manifest fetched over HTTP, as the registry does."""

    async def fetch() -> bytes:
        async with httpx.AsyncClient(transport=transport, **client_args) as client:  # type: ignore[arg-type]
            response = await client.get(url)
            response.raise_for_status()
            return response.content

    return fetch


def network_registry(
    partners: Sequence[FakePartner], smile_manifests: Callable[[], Sequence[ManifestSource]]
) -> FastAPI:
    """A registry whose catalogue holds SMILE's manifests and the partners' (built in memory)."""

    def sources() -> list[ManifestSource]:
        out: list[ManifestSource] = list(smile_manifests())
        for partner in partners:

            async def own(p: FakePartner = partner) -> bytes:
                return p.manifest()

            out.append(own)
        return out

    return registry_app(sources)


T = TypeVar("T")
SMILE = "https://ewp.smile.test/ewp"
SMILE_HEI = "unicaen.fr"
REGISTRY = "https://registry.test/catalogue-v1.xml"


@dataclass
class World:
    harness: ServiceHarness
    gateway: Gateway
    partner: FakePartner
    transport: RoutingTransport
    agreements: ServiceHarness | None = None
    owners: Any = None
    catalogue: ServiceHarness | None = None
    #: the catalogue's course the tests serve (as the catalogue's API returned it)
    course: dict[str, Any] | None = None
    #: how the gateway reaches the other SMILE services (tests cut a route to simulate an outage)
    owner_transport: RoutingTransport | None = None

    def url(self, path: str, hei: str = SMILE_HEI) -> str:
        return f"{SMILE}/hei/{hei}{path}"

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A plain client on the network (requests are not signed unless ``auth`` is given)."""
        return httpx.AsyncClient(transport=self.transport, timeout=30, **kwargs)

    async def signed(
        self, method: str, path: str, *, params: Any = None, data: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """A request signed with the partner's client key; the response is checked and XML-validated."""
        async with self.client(auth=EwpSignatureAuth(self.partner.client_key)) as client:
            response = await client.request(method, self.url(path), params=params, data=data, headers=headers)
        assert_valid_xml(response)
        if response.status_code != 405:
            catalogue = self.gateway.registry.current or await self.gateway.registry.catalogue()
            entry = catalogue.api(SMILE_HEI, "echo", 2)
            assert entry is not None
            verify_response(response, server_keys=catalogue.server_keys(entry))
        return response


def assert_valid_xml(response: httpx.Response) -> etree._Element:
    """Every XML the gateway emits must validate against the official schema of its namespace."""
    assert response.headers["content-type"].startswith("application/xml"), response.text
    return ewp_schemas.validate(response.content)


async def eventually(check: Callable[[], Awaitable[T | None]], *, timeout: float = 15.0, what: str = "") -> T:
    """Poll ``check`` until it returns something truthy (workers run in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.05)
