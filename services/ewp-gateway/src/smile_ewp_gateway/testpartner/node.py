"""A fake EWP partner node: its own keys, manifest, data and HTTP-signature stack, over real HTTP.

It plays a sending university with IIAs, nominations and learning agreements (from the official
examples), serves them to SMILE, receives SMILE's notifications and updates, and calls SMILE's APIs.
Tests drive it directly (``partner.iias[...]``, ``await partner.call(...)``); it records every
notification and update it receives in ``partner.received``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request, Response
from lxml import etree

from smile_ewp_gateway.discovery.manifest import ApiServed, manifest_document
from smile_ewp_gateway.httpsig import (
    Caller,
    EwpSignatureAuth,
    HttpSigError,
    SigningKey,
    response_signature_headers,
    verify_request,
    verify_response,
)
from smile_ewp_gateway.httpsig.cavage import header_value
from smile_ewp_gateway.httpsig.keys import generate_private_key
from smile_ewp_gateway.httpsig.server import wants_signed_response
from smile_ewp_gateway.registry.catalogue import ApiEntry, Catalogue
from smile_ewp_gateway.xmlkit.build import error_document, serialize
from smile_ewp_gateway.xmlkit.safe import parse_untrusted

__all__ = ["PARTNER_APIS", "STATS_PORTAL_APIS", "FakePartner", "Received"]

PARTNER_APIS: tuple[ApiServed, ...] = (
    ApiServed("echo", 2, "2.0.1", (("url", "/echo"),)),
    ApiServed("institutions", 2, "2.2.0", (("url", "/institutions"), ("max-hei-ids", "max"))),
    ApiServed(
        "organizational-units", 2, "2.1.1", (("url", "/ounits"), ("max-ounit-ids", "max"), ("max-ounit-codes", "max"))
    ),
    ApiServed("iias", 7, "7.0.0", (("get-url", "/iias/get"), ("max-iia-ids", "max"), ("index-url", "/iias/index"))),
    ApiServed("iia-cnr", 3, "3.0.0", (("url", "/iia-cnr"),)),
    ApiServed("iias-approval", 2, "2.0.0", (("url", "/iias-approval"), ("max-iia-ids", "max"))),
    ApiServed("iia-approval-cnr", 2, "2.0.0", (("url", "/iia-approval-cnr"),)),
    ApiServed(
        "omobilities",
        3,
        "3.0.0",
        (
            ("get-url", "/omobilities/get"),
            ("index-url", "/omobilities/index"),
            ("update-url", "/omobilities/update"),
            ("max-omobility-ids", "max"),
        ),
    ),
    ApiServed(
        "omobility-las",
        1,
        "1.2.0",
        (
            ("get-url", "/las/get"),
            ("index-url", "/las/index"),
            ("update-url", "/las/update"),
            ("max-omobility-ids", "max"),
        ),
    ),
    ApiServed("imobility-cnr", 2, "2.0.0", (("url", "/imobility-cnr"), ("max-omobility-ids", "max"))),
    ApiServed("imobility-tor-cnr", 2, "2.0.0", (("url", "/imobility-tor-cnr"), ("max-omobility-ids", "max"))),
)

#: what the EWP Stats Portal's node serves to clients (Monitoring API 0.2.0: error reports)
STATS_PORTAL_APIS: tuple[ApiServed, ...] = (ApiServed("monitoring", 1, "0.2.0", (("url", "/monitoring"),)),)


@dataclass
class Received:
    """A call SMILE made to the partner: the API, the parameters or XML body, and when."""

    api: str
    params: dict[str, list[str]]
    body: bytes
    caller_heis: frozenset[str]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class PartnerError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class FakePartner:
    """One fake EWP node covering one institution."""

    def __init__(
        self,
        hei_id: str = "uw.edu.pl",
        base_url: str = "https://partner.test/ewp",
        *,
        names: dict[str, str] | None = None,
        registry_url: str = "https://registry.test/catalogue-v1.xml",
        transport: httpx.AsyncBaseTransport | None = None,
        verify: Any = True,
        max_ids: int = 10,
        sign_responses: bool = True,
        keys: tuple[SigningKey, SigningKey] | None = None,
        apis: Sequence[ApiServed] = PARTNER_APIS,
    ) -> None:
        self.hei_id = hei_id
        self.apis = tuple(apis)
        self.base_url = base_url.rstrip("/")
        self.names = names or {"en": "University of Warsaw"}
        self.registry_url = registry_url
        self.transport = transport
        self.verify = verify
        self.max_ids = max_ids
        self.sign_responses = sign_responses
        self.client_key, self.server_key = keys or (
            SigningKey(generate_private_key()),
            SigningKey(generate_private_key()),
        )
        self.catalogue: Catalogue | None = None
        #: the partner's own IIAs (``<iia>`` elements of an IIAs v7 get response), by its IIA id
        self.iias: dict[str, etree._Element] = {}
        #: approvals the partner gave to SMILE's copies: SMILE's IIA id -> approved hash
        self.approvals_given: dict[str, str] = {}
        self.nominations: dict[str, etree._Element] = {}
        self.las: dict[str, etree._Element] = {}
        self.institution: etree._Element | None = None
        self.received: list[Received] = []
        #: status to answer on CNR/update endpoints instead of handling them (simulating outages)
        self.fail_with: dict[str, int] = {}
        self.requests_seen = 0

    # --- identity -------------------------------------------------------------------------------
    def manifest(self) -> bytes:
        return manifest_document(
            base=self.base_url,
            hei_id=self.hei_id,
            names=self.names,
            other_ids={"erasmus": "PL WARSZAW01"},
            admin_emails=[f"ewp-admin@{self.hei_id}"],
            provider="SMILE test partner",
            notes="Not a real node.",
            apis=self.apis,
            max_ids=self.max_ids,
            client_keys=[self.client_key.public_b64],
            server_keys=[self.server_key.public_b64],
        )

    def http(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, verify=self.verify, timeout=30.0, **kwargs)

    async def refresh_registry(self) -> Catalogue:
        async with self.http() as client:
            response = await client.get(self.registry_url)
            response.raise_for_status()
        self.catalogue = Catalogue.from_bytes(response.content)
        return self.catalogue

    async def registry(self) -> Catalogue:
        return self.catalogue or await self.refresh_registry()

    # --- calling SMILE --------------------------------------------------------------------------
    async def entry(self, hei_id: str, api: str, major: int) -> ApiEntry:
        catalogue = await self.registry()
        entry = catalogue.api(hei_id, api, major)
        if entry is None:
            catalogue = await self.refresh_registry()
            entry = catalogue.api(hei_id, api, major)
        if entry is None:
            raise LookupError(f"{hei_id} serves no {api} v{major} in the registry")
        return entry

    async def call(
        self,
        hei_id: str,
        api: str,
        major: int,
        endpoint: str = "url",
        params: Sequence[tuple[str, str]] = (),
        *,
        method: str = "POST",
        verify_signature: bool = True,
    ) -> httpx.Response:
        """Call SMILE's API like a partner: signed request, response signature checked (by default)."""
        entry = await self.entry(hei_id, api, major)
        url = entry.url(f"{endpoint}-url") or entry.url(endpoint)
        assert url is not None, f"no {endpoint} for {api}"
        async with self.http(auth=EwpSignatureAuth(self.client_key)) as client:
            if method == "GET":
                response = await client.get(url, params=list(params))
            else:
                response = await client.post(url, data=dict(_group(params)))
        if verify_signature and response.status_code < 500:
            verify_response(response, server_keys=(await self.registry()).server_keys(entry))
        return response

    # --- serving --------------------------------------------------------------------------------
    async def authenticate(self, request: Request, body: bytes) -> Caller:
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.scope["headers"]]
        base = urlsplit(self.base_url)
        root = request.scope.get("root_path", "")
        relative = (
            request.scope["path"][len(root) :]
            if root and request.scope["path"].startswith(root)
            else request.scope["path"]
        )
        target = base.path.rstrip("/") + relative
        if request.scope.get("query_string"):
            target += "?" + request.scope["query_string"].decode("latin-1")
        catalogue = await self.registry()
        try:
            return verify_request(
                method=request.method,
                request_target=target,
                headers=headers,
                body=body,
                keys=catalogue,
                now=datetime.now(UTC),
                expected_host=base.netloc,
            )
        except HttpSigError as exc:
            if exc.status == 403:  # maybe SMILE registered since our last look
                catalogue = await self.refresh_registry()
                try:
                    return verify_request(
                        method=request.method,
                        request_target=target,
                        headers=headers,
                        body=body,
                        keys=catalogue,
                        now=datetime.now(UTC),
                        expected_host=base.netloc,
                    )
                except HttpSigError as again:
                    raise PartnerError(again.status, again.message) from again
            raise PartnerError(exc.status, exc.message) from exc

    def respond(self, request: Request, body: bytes, status: int = 200, caller: Caller | None = None) -> Response:
        response = Response(body, status_code=status, media_type="application/xml; charset=utf-8")
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.scope["headers"]]
        if self.sign_responses and wants_signed_response(headers):
            for name, value in response_signature_headers(
                key=self.server_key,
                body=body,
                content_type=response.headers["content-type"],
                request_id=header_value(headers, "x-request-id"),
                request_signature=caller.signature if caller else None,
                now=datetime.now(UTC),
                date_header="original-date",  # servers add their own Date: signing it would break
            ):
                response.headers[name] = value
        return response

    def error(self, request: Request, status: int, message: str, caller: Caller | None = None) -> Response:
        return self.respond(request, error_document(message), status, caller=caller)

    def app(self) -> FastAPI:
        from smile_ewp_gateway.testpartner.serving import install

        app = FastAPI(title=f"fake EWP partner {self.hei_id}", docs_url=None, redoc_url=None, openapi_url=None)

        @app.get("/manifest.xml")
        async def manifest() -> Response:
            return Response(self.manifest(), media_type="application/xml")

        install(self, app)
        return app

    # --- data -----------------------------------------------------------------------------------
    def add_iia(self, smile_hei: str, smile_iia_id: str | None = None, iia_id: str | None = None) -> str:
        from smile_ewp_gateway.testpartner.data import example_iia

        iia_id = iia_id or str(uuid.uuid4())
        self.iias[iia_id] = example_iia(self.hei_id, smile_hei, iia_id, smile_iia_id)
        return iia_id

    def add_nomination(self, smile_hei: str, partner_iia_id: str | None = None, smile_iia_id: str | None = None) -> str:
        from smile_ewp_gateway.testpartner.data import example_nomination

        omobility_id = str(uuid.uuid4())
        self.nominations[omobility_id] = example_nomination(
            self.hei_id, smile_hei, omobility_id, partner_iia_id, smile_iia_id
        )
        return omobility_id

    def add_la(self, smile_hei: str, omobility_id: str) -> str:
        from smile_ewp_gateway.testpartner.data import example_la

        self.las[omobility_id] = example_la(self.hei_id, smile_hei, omobility_id)
        return omobility_id


def _group(params: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return grouped


def parse_body(body: bytes) -> etree._Element:
    return parse_untrusted(body, max_bytes=1024 * 1024)


def document(root: etree._Element) -> bytes:
    return serialize(root)
