"""``make run``'s EWP demo (dev profile only): a demo registry and a demo partner node served by the
gateway itself under ``/demo/...``, and a short scenario that gives the office something to look at.

* ``<base>/demo/registry/catalogue-v1.xml`` — a registry listing SMILE's manifests and the partner's;
* ``<base>/demo/partner/...`` — the University of Warsaw's (fake) node: an IIA, a nomination and a
  learning agreement taken from the official examples, notified to SMILE over HTTP at startup.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI
from starlette.types import Receive, Scope, Send

from smile_ewp_gateway.discovery.manifest import build_manifest
from smile_ewp_gateway.testpartner.node import FakePartner
from smile_ewp_gateway.testpartner.registry import ManifestSource, registry_app

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["DemoNetwork", "demo_router", "demo_scenario"]

_log = logging.getLogger("smile.ewp.demo")


@dataclass
class DemoNetwork:
    gateway: Gateway
    partner: FakePartner = field(init=False)
    registry: FastAPI = field(init=False)
    partner_app: FastAPI = field(init=False)

    def __post_init__(self) -> None:
        base = self.gateway.settings.base_url
        self.partner = FakePartner(
            "uw.edu.pl",
            f"{base}/demo/partner",
            registry_url=self.gateway.settings.registry_url(),
            transport=self.gateway.transport,
            names={"en": "University of Warsaw (EWP demo partner)"},
        )
        # a developer's machine serves http:// URLs, which the official schemas refuse: the demo accepts them
        self.registry = registry_app(self._manifests, strict=self.gateway.settings.base_url.startswith("https://"))
        self.partner_app = self.partner.app()

    def _manifests(self) -> list[ManifestSource]:
        sources: list[ManifestSource] = []
        settings, keys = self.gateway.settings, self.gateway.keys
        for hei in settings.covered_heis:

            async def smile(h: Any = hei) -> bytes:
                return build_manifest(settings, h, keys)

            sources.append(smile)

        async def partner() -> bytes:
            return self.partner.manifest()

        sources.append(partner)
        return sources


class _DemoMount:
    """Dispatches to the demo apps of the gateway that receives the request (404 outside the demo)."""

    def __init__(self, which: str) -> None:
        self.which = which

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from smile_ewp_gateway.context import gateway_of

        gateway = gateway_of(scope["app"].state.runtime)
        if not gateway.settings.demo_enabled:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        demo = gateway.demo
        await (demo.registry if self.which == "registry" else demo.partner_app)(scope, receive, send)


def demo_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.mount("/demo/registry", _DemoMount("registry"))
    router.mount("/demo/partner", _DemoMount("partner"))
    return router


async def demo_scenario(gateway: Gateway, stop: asyncio.Event) -> None:
    """Once the demo registry answers, the partner shares an IIA, nominates a student and sends an LA."""
    if not gateway.settings.demo_enabled:
        return
    partner, hei = gateway.demo.partner, gateway.settings.covered_heis[0].hei_id
    for _ in range(60):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2)
        if stop.is_set():
            return
        try:
            await partner.refresh_registry()
            if partner.catalogue is not None and partner.catalogue.api(hei, "iia-cnr", 3) is not None:
                break
        except Exception as exc:  # the server may still be starting
            _log.debug("demo registry not ready: %s", exc)
    else:
        _log.warning("EWP demo: the demo registry never answered; is SMILE_PUBLIC_BASE_URL right?")
        return
    try:
        iia_id = partner.add_iia(hei)
        omobility_id = partner.add_nomination(hei, partner_iia_id=iia_id)
        partner.add_la(hei, omobility_id)
        await partner.call(hei, "iia-cnr", 3, params=[("iia_id", iia_id)])
        await partner.call(hei, "omobility-cnr", 2, params=[("omobility_id", omobility_id)])
        await partner.call(
            hei, "omobility-la-cnr", 1, params=[("sending_hei_id", partner.hei_id), ("omobility_id", omobility_id)]
        )
        _log.info("EWP demo: %s shared IIA %s and nominated %s", partner.hei_id, iia_id, omobility_id)
    except Exception:
        _log.exception("EWP demo scenario failed")
