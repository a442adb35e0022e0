"""Writing exchanges to the traffic log (never failing the exchange itself)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
from fastapi import Request, Response

from smile_ewp_gateway.db import Traffic

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway
    from smile_ewp_gateway.httpsig import Caller

__all__ = ["ARCHIVED_APIS", "OutboundRecord", "record_inbound", "record_outbound"]

_log = logging.getLogger("smile.ewp.traffic")
#: exchanges kept whole for non-repudiation: approvals and decisions.
ARCHIVED_APIS = frozenset({"iias-approval", "iia-approval-cnr", "omobilities-update", "omobility-las-update"})


def _keep(body: bytes | None, limit: int, archived: bool) -> bytes | None:
    if body is None:
        return None
    return body if archived or len(body) <= limit else None


async def record_inbound(
    gateway: Gateway,
    *,
    request: Request,
    api: str,
    endpoint: str,
    request_headers: list[tuple[str, str]],
    request_body: bytes,
    response: Response,
    caller: Caller | None,
    started_at: datetime,
    duration_ms: float,
) -> None:
    limit = gateway.settings.ewp_traffic_body_max_bytes
    archived = api in ARCHIVED_APIS and response.status_code == 200
    query = request.url.query
    row = Traffic(
        direction="in",
        local_hei_id=request.path_params.get("hei_id"),
        partner_hei_id=",".join(sorted(caller.hei_ids)) if caller is not None and caller.hei_ids else None,
        api=api,
        endpoint=endpoint,
        method=request.method,
        url=str(request.url.path) + (f"?{query}" if query else ""),
        status=response.status_code,
        duration_ms=duration_ms,
        error=_error_text(response),
        request_id=dict(request_headers).get("x-request-id"),
        key_id=caller.key_id if caller is not None else None,
        signed_response="signature" in response.headers,
        started_at=started_at,
        request_headers=[list(h) for h in request_headers],
        request_body=_keep(request_body, limit, archived),
        response_headers=[[k, v] for k, v in response.headers.items()],
        response_body=_keep(bytes(response.body), limit, archived),
        archived=archived,
    )
    await _save(gateway, row)


def _error_text(response: Response) -> str | None:
    if response.status_code < 400:
        return None
    body = bytes(response.body)
    start, end = body.find(b"<developer-message>"), body.find(b"</developer-message>")
    return body[start + 19 : end].decode("utf-8", "replace") if 0 <= start < end else f"HTTP {response.status_code}"


@dataclass
class OutboundRecord:
    """What SMILE sent to a partner and what came back (``response`` is None when nothing came)."""

    local_hei_id: str
    partner_hei_id: str
    api: str
    endpoint: str
    request: httpx.Request
    started_at: datetime
    duration_ms: float
    response: httpx.Response | None = None
    error: str | None = None
    signed_response: bool | None = None
    key_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


async def record_outbound(gateway: Gateway, record: OutboundRecord) -> None:
    limit = gateway.settings.ewp_traffic_body_max_bytes
    response = record.response
    archived = record.api in ARCHIVED_APIS
    row = Traffic(
        direction="out",
        local_hei_id=record.local_hei_id,
        partner_hei_id=record.partner_hei_id,
        api=record.api,
        endpoint=record.endpoint,
        method=record.request.method,
        url=str(record.request.url),
        status=response.status_code if response is not None else None,
        duration_ms=record.duration_ms,
        error=record.error,
        request_id=record.request.headers.get("x-request-id"),
        key_id=record.key_id,
        signed_response=record.signed_response,
        started_at=record.started_at,
        request_headers=[[k, v] for k, v in record.request.headers.multi_items()],
        request_body=_keep(record.request.content, limit, archived),
        response_headers=[[k, v] for k, v in response.headers.multi_items()] if response is not None else [],
        response_body=_keep(response.content, limit, archived) if response is not None else None,
        archived=archived,
    )
    await _save(gateway, row)


async def _save(gateway: Gateway, row: Traffic) -> None:
    try:
        async with gateway.runtime.database.sessionmaker() as session, session.begin():
            session.add(row)
    except Exception:
        _log.exception("could not write the traffic log (%s %s)", row.direction, row.api)
