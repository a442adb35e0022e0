"""How every EWP endpoint SMILE serves behaves, whatever the API.

Each endpoint is an :class:`EwpRoute`: before the endpoint runs, the route checks the method (405),
the covered institution in the URL (404), the registry (503) and the HTTP signature (400/401/403),
drops every header the client did not sign and parses the parameters (415 for a body that is not a
form). Whatever happens, the answer is XML (``<error-response>`` for every 4xx/5xx), it echoes
``X-Request-Id``, it is signed when the client asks (``Accept-Signature: rsa-sha256``) and it is
written to the traffic log after it has been sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from lxml import etree
from starlette.background import BackgroundTask

from smile_common.service import runtime_of
from smile_ewp_gateway.context import Gateway, gateway_of
from smile_ewp_gateway.httpsig import Caller, HttpSigError, response_signature_headers, verify_request
from smile_ewp_gateway.httpsig.cavage import header_value
from smile_ewp_gateway.httpsig.server import wants_signed_response
from smile_ewp_gateway.registry.catalogue import Catalogue
from smile_ewp_gateway.registry.service import RegistryUnavailable
from smile_ewp_gateway.server.params import EwpParams, ParamError, parse_params
from smile_ewp_gateway.settings import CoveredHei
from smile_ewp_gateway.traffic.recorder import record_inbound
from smile_ewp_gateway.xmlkit.build import error_document, serialize

__all__ = ["XML_MEDIA_TYPE", "EwpContext", "EwpError", "EwpRoute", "ewp_endpoint", "xml_response"]

_log = logging.getLogger("smile.ewp.server")
XML_MEDIA_TYPE = "application/xml; charset=utf-8"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
#: headers kept even when unsigned: they only tell how to read the (digest-checked) body.
_BODY_FRAMING = ("content-type", "content-length")


class EwpError(Exception):
    """An EWP error answer: ``status`` with an ``<error-response>`` body."""

    def __init__(
        self,
        status: int,
        developer_message: str,
        *,
        user_message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(developer_message)
        self.status = status
        self.developer_message = developer_message
        self.user_message = user_message
        self.headers = headers or {}


@dataclass
class EwpContext:
    """What an endpoint receives: the authenticated partner, its parameters, the institution called."""

    gateway: Gateway
    hei: CoveredHei
    caller: Caller
    params: EwpParams
    catalogue: Catalogue
    request: Request

    @property
    def partner_heis(self) -> frozenset[str]:
        return self.caller.hei_ids

    def require_partner(self) -> None:
        if not self.caller.hei_ids:
            raise EwpError(403, "your key covers no institution in the EWP registry")


@dataclass(frozen=True)
class EwpSpec:
    api: str
    endpoint: str
    methods: tuple[str, ...]


def xml_response(root: etree._Element, status: int = 200) -> Response:
    return Response(serialize(root), status_code=status, media_type=XML_MEDIA_TYPE)


def _error_response(error: EwpError) -> Response:
    return Response(
        error_document(error.developer_message, error.user_message),
        status_code=error.status,
        media_type=XML_MEDIA_TYPE,
        headers=error.headers,
    )


def _request_target(request: Request, base_path: str) -> str:
    """The path and query as the partner sent them to the public URL (before any proxy or mount)."""
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    root = (request.scope.get("root_path") or "").encode()
    relative = raw_path[len(root) :] if root and raw_path.startswith(root) else raw_path
    target = base_path + relative.decode("latin-1")
    query = request.scope.get("query_string") or b""
    return f"{target}?{query.decode('latin-1')}" if query else target


class EwpRoute(APIRoute):
    """An APIRoute whose requests go through EWP authentication and whose answers are EWP answers."""

    ewp: EwpSpec

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = super().get_route_handler()

        async def handle(request: Request) -> Response:
            started, now = time.perf_counter(), datetime.now(UTC)
            headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.scope["headers"]]
            body = await request.body()
            gateway = gateway_of(runtime_of(request))
            caller: Caller | None = None
            try:
                caller, response = await self._serve(request, gateway, headers, body, endpoint, now)
            except EwpError as error:
                response = _error_response(error)
            except ParamError as error:
                response = _error_response(EwpError(error.status, error.message))
            except Exception:
                _log.exception("EWP endpoint %s %s failed", self.ewp.api, self.ewp.endpoint)
                response = _error_response(EwpError(500, "unexpected server error; it has been logged"))
            self._finish(request, gateway, headers, response, caller)
            response.background = BackgroundTask(
                record_inbound,
                gateway,
                request=request,
                api=self.ewp.api,
                endpoint=self.ewp.endpoint,
                request_headers=headers,
                request_body=body,
                response=response,
                caller=caller,
                started_at=now,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
            return response

        return handle

    async def _serve(
        self,
        request: Request,
        gateway: Gateway,
        headers: list[tuple[str, str]],
        body: bytes,
        endpoint: Callable[[Request], Awaitable[Response]],
        now: datetime,
    ) -> tuple[Caller, Response]:
        settings = gateway.settings
        if request.method not in self.ewp.methods:
            raise EwpError(
                405,
                f"{request.method} is not allowed here; use {' or '.join(self.ewp.methods)}",
                headers={"Allow": ", ".join(self.ewp.methods)},
            )
        hei = settings.covered(request.path_params.get("hei_id", ""))
        if hei is None:
            raise EwpError(404, "no institution covered by SMILE at this URL")
        try:
            catalogue = await gateway.registry.catalogue()
        except RegistryUnavailable as exc:
            raise EwpError(
                503, f"cannot authenticate partners right now: {exc}", headers={"Retry-After": "60"}
            ) from exc
        try:
            caller = verify_request(
                method=request.method,
                request_target=_request_target(request, settings.base_path),
                headers=headers,
                body=body,
                keys=catalogue,
                now=now,
                expected_host=settings.base_host,
                request_ids=gateway.request_ids,
            )
        except HttpSigError as exc:
            extra = {"WWW-Authenticate": 'Signature realm="EWP"', "Want-Digest": "SHA-256"} if exc.status == 401 else {}
            raise EwpError(exc.status, exc.message, headers=extra) from exc
        kept = set(caller.signed_headers) | set(_BODY_FRAMING)
        request.scope["headers"] = [(k, v) for k, v in request.scope["headers"] if k.decode("latin-1").lower() in kept]
        request.__dict__.pop("_headers", None)
        params = parse_params(
            request.method, request.scope.get("query_string") or b"", header_value(headers, "content-type"), body
        )
        request.state.ewp = EwpContext(gateway, hei, caller, params, catalogue, request)
        return caller, await endpoint(request)

    def _finish(
        self,
        request: Request,
        gateway: Gateway,
        headers: list[tuple[str, str]],
        response: Response,
        caller: Caller | None,
    ) -> None:
        request_id = header_value(headers, "x-request-id")
        if not wants_signed_response(headers):
            if request_id and caller is not None:
                response.headers["X-Request-Id"] = request_id
            return
        hei_id = request.path_params.get("hei_id", "")
        if gateway.settings.covered(hei_id) is None:
            hei_id = gateway.settings.covered_heis[0].hei_id if gateway.settings.covered_heis else ""
        try:
            key = gateway.signing_key(hei_id, "server").key
        except (LookupError, ValueError):
            _log.error("cannot sign the response: no server key for %s", hei_id)
            return
        authorization = header_value(headers, "authorization") or ""
        request_signature = caller.signature if caller is not None else _signature_of(authorization)
        added = response_signature_headers(
            key=key,
            body=bytes(response.body),
            content_type=response.headers.get("content-type"),
            request_id=request_id,
            request_signature=request_signature,
            now=datetime.now(UTC),
            date_header=gateway.settings.ewp_response_date_header,
        )
        for name, value in added:
            response.headers[name] = value


def _signature_of(authorization: str) -> str | None:
    from smile_ewp_gateway.httpsig.cavage import parse_params as parse_signature

    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() != "signature":
        return None
    try:
        return parse_signature(rest).get("signature")
    except ValueError:
        return None


EndpointFunc = Callable[[EwpContext], Awaitable[Response]]


def _xml_responses(statuses: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    described = {
        200: "EWP response document",
        400: "invalid parameters",
        401: "no HTTP signature",
        403: "key unknown or not allowed",
        404: "no institution covered by SMILE at this URL",
        405: "method not allowed",
        409: "edit conflict",
        415: "unsupported body encoding",
        503: "registry unavailable",
    }
    return {s: {"description": described.get(s, "error"), "content": {"application/xml": {}}} for s in statuses}


def ewp_endpoint(
    router: APIRouter,
    path: str,
    *,
    api: str,
    endpoint: str,
    operation_id: str,
    summary: str,
    methods: tuple[str, ...] = ("GET", "POST"),
    extra_statuses: tuple[int, ...] = (),
) -> Callable[[EndpointFunc], EndpointFunc]:
    """Register an EWP endpoint (one documented route per allowed method, an undocumented one for the rest)."""

    def register(func: EndpointFunc) -> EndpointFunc:
        async def route(request: Request) -> Response:
            return await func(request.state.ewp)

        route.__doc__ = func.__doc__
        spec = EwpSpec(api, endpoint, methods)
        statuses = (200, 400, 401, 403, 404, 405, *extra_statuses, 503)
        for method in methods:
            suffix = "" if method == methods[0] else method.capitalize()
            router.add_api_route(
                path,
                route,
                methods=[method],
                operation_id=f"{operation_id}{suffix}",
                summary=summary,
                response_class=Response,
                responses=_xml_responses(statuses),
                tags=["EWP network"],
                route_class_override=EwpRoute,
            )
            router.routes[-1].ewp = spec  # type: ignore[attr-defined]
        others = [m for m in ALL_METHODS if m not in methods]
        router.add_api_route(
            path,
            route,
            methods=others,
            include_in_schema=False,
            response_class=Response,
            operation_id=f"{operation_id}Other",
            route_class_override=EwpRoute,
        )
        router.routes[-1].ewp = spec  # type: ignore[attr-defined]
        return func

    return register
