"""One call to a partner's EWP API, the way every call is made.

The URL comes from the registry (the partner's manifest entry for that API and major version); the
request is signed with the covered university's client key; the response must carry a valid server
signature of the partner's host (when its manifest offers HTTP-signature server authentication), is
parsed with entity expansion off and validated against the official schema. Everything is written to
the traffic log. Failures say whether retrying makes sense (5xx, timeouts) or not (4xx, bad data).

Every failed interaction with a partner is also reported, fire-and-forget, to the EWP Stats Portal's
Monitoring API (when the registry lists it): the partner, its API and endpoint, the HTTP status, the
partner's developer message and a short description of what went wrong, never personal data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
from lxml import etree

from smile_ewp_gateway.httpsig import EwpSignatureAuth, ResponseSignatureError, verify_response
from smile_ewp_gateway.registry.catalogue import ApiEntry
from smile_ewp_gateway.registry.service import RegistryUnavailable
from smile_ewp_gateway.traffic.recorder import OutboundRecord, record_outbound
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.safe import XmlError, parse_untrusted
from smile_ewp_gateway.xmlkit.schemas import SchemaError, ewp_schemas

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["STATS_PORTAL_HEI", "PartnerCallError", "PartnerClient", "PartnerReply"]

_log = logging.getLogger("smile.ewp.partners")
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
#: the EWP Stats Portal, which serves the Monitoring API (error reports about partners' APIs)
STATS_PORTAL_HEI = "stats.erasmuswithoutpaper.eu"
#: failures of these are not reported to the Monitoring API (its specification excludes them)
_NOT_MONITORED = frozenset({"echo", "discovery", "registry", "monitoring"})
#: reports being sent (kept referenced until they finish)
_REPORTS: set[asyncio.Task[None]] = set()


class PartnerCallError(Exception):
    """A call that did not give a usable answer; ``retryable`` says whether trying again later may help."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        partner_message: str | None = None,
        category: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.retryable, self.status = message, retryable, status
        #: the partner's own ``developer-message``, and what went wrong in words free of any data
        self.partner_message, self.category = partner_message, category or message


@dataclass
class PartnerReply:
    root: etree._Element
    response: httpx.Response
    entry: ApiEntry


def _developer_message(body: bytes) -> str:
    try:
        root = parse_untrusted(body, max_bytes=256 * 1024)
    except XmlError:
        return body[:200].decode("utf-8", "replace")
    return (root.findtext(f"{{{ns.COMMON}}}developer-message") or "").strip()[:2000]


class PartnerClient:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def entry(self, partner_hei_id: str, api: str, major: int) -> ApiEntry:
        try:
            catalogue = await self.gateway.registry.catalogue()
        except RegistryUnavailable as exc:
            raise PartnerCallError(str(exc), retryable=True) from exc
        entry = catalogue.api(partner_hei_id, api, major)
        if entry is None:
            raise PartnerCallError(f"{partner_hei_id} has no {api} v{major} in the EWP registry", retryable=False)
        return entry

    async def call(
        self,
        local_hei_id: str,
        partner_hei_id: str,
        api: str,
        major: int,
        endpoint: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        xml_body: bytes | None = None,
        log_api: str | None = None,
    ) -> PartnerReply:
        entry = await self.entry(partner_hei_id, api, major)
        url = entry.url(f"{endpoint}-url") or entry.url(endpoint)
        if url is None:
            raise PartnerCallError(f"{partner_hei_id}'s {api} v{major} has no {endpoint} URL", retryable=False)
        key = self.gateway.signing_key(local_hei_id, "client")
        started, moment = time.perf_counter(), datetime.now(UTC)
        async with self.gateway.http(auth=EwpSignatureAuth(key.key)) as client:
            if xml_body is not None:
                request = client.build_request(
                    "POST", url, content=xml_body, headers={"Content-Type": "application/xml; charset=utf-8"}
                )
            else:
                request = client.build_request("POST", url, data=_form(params))
            record = OutboundRecord(
                local_hei_id, partner_hei_id, log_api or api, endpoint, request, moment, 0.0, key_id=key.key_id
            )
            try:
                response = await client.send(request)
                record.request = response.request
                record.response = response
                return self._check(response, entry, record)
            except httpx.HTTPError as exc:
                record.error = f"{type(exc).__name__}: {exc}"
                failure = PartnerCallError(
                    f"{partner_hei_id} unreachable: {record.error}",
                    retryable=True,
                    category=f"no answer ({type(exc).__name__})",
                )
                self._report(local_hei_id, partner_hei_id, api, endpoint, failure)
                raise failure from exc
            except PartnerCallError as exc:
                record.error = exc.message
                self._report(local_hei_id, partner_hei_id, api, endpoint, exc)
                raise
            finally:
                record.duration_ms = (time.perf_counter() - started) * 1000
                await record_outbound(self.gateway, record)

    def _report(self, local: str, partner: str, api: str, endpoint: str, failure: PartnerCallError) -> None:
        """Tell the Stats Portal's Monitoring API about a failed interaction (in the background)."""
        if api in _NOT_MONITORED or partner == STATS_PORTAL_HEI:
            return
        catalogue = self.gateway.registry.current
        if catalogue is None or catalogue.api(STATS_PORTAL_HEI, "monitoring", 1) is None:
            return
        params = [("server_hei_id", partner), ("api_name", api)]
        if endpoint != "url":
            params.append(("endpoint_name", endpoint))
        if failure.status is not None:
            params.append(("http_code", str(failure.status)))
        if failure.partner_message:
            params.append(("server_message", failure.partner_message[:1000]))
        params.append(("client_message", f"SMILE: {failure.category}"[:500]))
        task = asyncio.get_running_loop().create_task(self._send_report(local, params))
        _REPORTS.add(task)
        task.add_done_callback(_REPORTS.discard)

    async def _send_report(self, local: str, params: list[tuple[str, str]]) -> None:
        try:
            await self.call(local, STATS_PORTAL_HEI, "monitoring", 1, "url", params)
        except PartnerCallError as exc:
            _log.info("the Monitoring API did not take our report: %s", exc.message)
        except Exception:  # a report must never disturb anything
            _log.exception("reporting to the Monitoring API failed")

    def _check(self, response: httpx.Response, entry: ApiEntry, record: OutboundRecord) -> PartnerReply:
        catalogue = self.gateway.registry.current
        if "httpsig" in entry.server_auth and catalogue is not None:
            try:
                verify_response(response, server_keys=catalogue.server_keys(entry))
                record.signed_response = True
            except ResponseSignatureError as exc:
                record.signed_response = False
                if response.status_code < 500:
                    # possibly a server key rotated since our copy of the registry: try again later
                    raise PartnerCallError(
                        f"response signature refused: {exc}",
                        retryable=True,
                        status=response.status_code,
                        category="the response's HTTP signature does not verify",
                    ) from exc
        if response.status_code != 200:
            message = _developer_message(response.content)
            raise PartnerCallError(
                f"HTTP {response.status_code}: {message}",
                retryable=response.status_code >= 500,
                status=response.status_code,
                partner_message=message,
                category=f"HTTP {response.status_code}",
            )
        try:
            root = parse_untrusted(response.content, max_bytes=MAX_RESPONSE_BYTES)
            ewp_schemas.validate(root)
        except (XmlError, SchemaError) as exc:
            raise PartnerCallError(
                f"invalid response document: {exc}",
                retryable=False,
                status=200,
                category="the response is not valid against the official schema",
            ) from exc
        return PartnerReply(root, response, entry)


def _form(params: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return grouped
