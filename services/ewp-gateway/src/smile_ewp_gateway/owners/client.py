"""Calls to the other services' ``/internal/...`` endpoints, as the ``service`` role acting for a university.

The contracts are on the coordination board (catalogue: institution, ounits, courses, replication,
factsheet; agreements: IIAs, approvals, files, incoming mobilities; records: transcripts). A service
that cannot answer makes the EWP request fail with 503 (the partner retries later), never with data
SMILE does not have.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx

from smile_common.http import ClientCredentialsTokens, DevServiceTokens, TokenProvider, service_client

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["MOUNTS", "OwnerError", "Owners"]

_log = logging.getLogger("smile.ewp.owners")
#: where the all-in-one process mounts each service (used when SMILE_SERVICE_URLS does not name it)
MOUNTS = {"catalogue": "/catalogue", "agreements": "/agreements", "records": "/records"}
Params = Sequence[tuple[str, str]]


class OwnerError(Exception):
    """The service owning the data could not answer (down, misconfigured, or an unexpected reply)."""


class Owners:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._tokens: TokenProvider | None = None

    def base_url(self, service: str) -> str:
        settings = self.gateway.settings
        configured = settings.service_urls.get(service)
        return configured or f"{settings.public_base_url.rstrip('/')}{MOUNTS[service]}"

    def tokens(self) -> TokenProvider:
        if self._tokens is None:
            s, runtime = self.gateway.settings, self.gateway.runtime
            if s.oidc_token_url and s.service_client_id and s.service_client_secret:
                secret = s.service_client_secret.get_secret_value()
                self._tokens = ClientCredentialsTokens(
                    s.oidc_token_url, s.service_client_id, secret, audience=s.oidc_audience
                )
            elif runtime.dev_issuer is not None:
                self._tokens = DevServiceTokens(runtime.dev_issuer, runtime.name)
            else:
                raise OwnerError("no service credentials: set SMILE_OIDC_TOKEN_URL and SMILE_SERVICE_CLIENT_*")
        return self._tokens

    def client(self, service: str, tenant: str) -> httpx.AsyncClient:
        return service_client(
            self.base_url(service),
            self.tokens(),
            tenant=tenant,
            timeout=10.0,
            retries=1,
            transport=self.gateway.owner_network,
        )

    async def get(self, service: str, path: str, tenant: str, params: Params = ()) -> httpx.Response:
        try:
            async with self.client(service, tenant) as client:
                response = await client.get(path, params=list(params))
        except httpx.HTTPError as exc:
            raise OwnerError(f"{service} unreachable: {type(exc).__name__}") from exc
        return response

    async def query(self, service: str, path: str, tenant: str, body: dict[str, Any]) -> dict[str, Any]:
        """A read whose question is too long for a URL (POST, nothing changes on the owner's side)."""
        try:
            async with self.client(service, tenant) as client:
                response = await client.post(path, json=body)
        except httpx.HTTPError as exc:
            raise OwnerError(f"{service} unreachable: {type(exc).__name__}") from exc
        return _document(service, path, response, "POST")

    async def json(self, service: str, path: str, tenant: str, params: Params = ()) -> dict[str, Any]:
        return _document(service, path, await self.get(service, path, tenant, params))

    async def items(self, service: str, path: str, tenant: str, params: Params = ()) -> list[dict[str, Any]]:
        items = (await self.json(service, path, tenant, params)).get("items") or []
        return [i for i in items if isinstance(i, dict)]

    # --- catalogue (``/internal/ewp/...`` of the catalogue service) ------------------------------
    async def institution(self, tenant: str) -> dict[str, Any] | None:
        """The university as the catalogue describes it; ``None`` while it has not been described."""
        return await self._optional("catalogue", "/internal/ewp/institution", tenant)

    async def ounits(self, tenant: str, *, ids: Sequence[str] = (), codes: Sequence[str] = ()) -> list[dict[str, Any]]:
        params = [("ounit_id", i) for i in ids] + [("ounit_code", c) for c in codes]
        return await self.items("catalogue", "/internal/ewp/ounits", tenant, params)

    async def courses(self, tenant: str, params: Params) -> list[dict[str, Any]]:
        return await self.items("catalogue", "/internal/ewp/courses", tenant, params)

    async def course_ids(self, tenant: str, modified_since: str | None) -> list[str]:
        params = [("modified_since", modified_since)] if modified_since else []
        body = await self.json("catalogue", "/internal/ewp/course-ids", tenant, params)
        return [str(i) for i in body.get("los_ids") or []]

    async def factsheet(self, tenant: str) -> dict[str, Any] | None:
        """The factsheet; ``None`` while the university has none."""
        return await self._optional("catalogue", "/internal/ewp/factsheet", tenant)

    async def _optional(self, service: str, path: str, tenant: str) -> dict[str, Any] | None:
        response = await self.get(service, path, tenant)
        if response.status_code == 404 and _explained(response):
            return None  # the owner said there is nothing (a bare 404, e.g. a wrong URL, is an outage)
        return _document(service, path, response)

    # --- agreements -----------------------------------------------------------------------------
    async def iias(self, tenant: str, partner_hei_id: str, params: Params = ()) -> list[dict[str, Any]]:
        return await self.items(
            "agreements", "/internal/ewp/iias", tenant, [("partner_hei_id", partner_hei_id), *params]
        )

    async def served_iias(
        self, tenant: str, partner_hei_id: str, iia_ids: Sequence[str], known: dict[str, str]
    ) -> list[dict[str, Any]]:
        """``[{iia_id, revision, ewp_xml}]`` of the asked IIAs the partner may get; ``ewp_xml`` is null for
        the revisions named in ``known`` (the caller holds them)."""
        body = {"partner_hei_id": partner_hei_id, "iia_ids": list(iia_ids), "known": known}
        items = (await self.query("agreements", "/internal/ewp/iias/served", tenant, body)).get("items") or []
        return [i for i in items if isinstance(i, dict)]

    async def iia_ids(self, tenant: str, partner_hei_id: str, params: Params = ()) -> list[str]:
        body = await self.json(
            "agreements", "/internal/ewp/iias/index", tenant, [("partner_hei_id", partner_hei_id), *params]
        )
        return [str(i) for i in body.get("iia_ids") or []]

    async def iia_stats(self, tenant: str) -> dict[str, Any]:
        return await self.json("agreements", "/internal/ewp/iias/stats", tenant)

    async def iia_approvals(self, tenant: str, partner_hei_id: str, iia_ids: Sequence[str]) -> list[dict[str, Any]]:
        params = [("partner_hei_id", partner_hei_id)] + [("iia_id", i) for i in iia_ids]
        return await self.items("agreements", "/internal/ewp/iia-approvals", tenant, params)

    async def file(self, tenant: str, file_id: str, partner_hei_id: str) -> httpx.Response | None:
        response = await self.get(
            "agreements", f"/internal/ewp/files/{file_id}", tenant, [("partner_hei_id", partner_hei_id)]
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise OwnerError(f"agreements answered {response.status_code} for file {file_id}")
        return response

    async def imobilities(self, tenant: str, omobility_ids: Sequence[str], sending_hei_id: str) -> list[dict[str, Any]]:
        params = [("omobility_id", i) for i in omobility_ids] + [("sending_hei_id", sending_hei_id)]
        return await self.items("agreements", "/internal/imobilities", tenant, params)

    async def la_stats(self, tenant: str) -> list[dict[str, Any]]:
        return await self.items("agreements", "/internal/ewp/la-stats", tenant)

    # --- records --------------------------------------------------------------------------------
    async def tors(self, tenant: str, sending_hei_id: str, params: Params = ()) -> list[dict[str, Any]]:
        return await self.items("records", "/internal/ewp/tors", tenant, [("sending_hei_id", sending_hei_id), *params])


def _explained(response: httpx.Response) -> bool:
    """A SMILE problem document with a ``detail``: an endpoint answered, not the router (``Not found``)."""
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("detail"))


def _document(service: str, path: str, response: httpx.Response, method: str = "GET") -> dict[str, Any]:
    """The JSON object of a 200 answer; anything else is an outage of the owner."""
    if response.status_code != 200:
        raise OwnerError(f"{service} answered {response.status_code} to {method} {path}")
    try:
        body = response.json()
    except ValueError as exc:
        raise OwnerError(f"{service} answered something else than JSON to {method} {path}") from exc
    if not isinstance(body, dict):
        raise OwnerError(f"{service} answered an unexpected document to {method} {path}")
    return body
