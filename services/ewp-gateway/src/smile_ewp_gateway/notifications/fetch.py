"""Fetching what a partner notified (or what a resync found) and turning it into ``ewp.*`` events."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lxml import etree

from smile_common.events.payloads.ewp import EwpOrganisationalUnit, IiaApprovalReceived, IiaDeleted, NominationDeleted
from smile_ewp_gateway.notifications.inbound import Recorded
from smile_ewp_gateway.owners import OwnerError
from smile_ewp_gateway.partners.client import PartnerCallError, PartnerClient
from smile_ewp_gateway.partners.translate import (
    IIA,
    INSTITUTIONS,
    LA,
    OMOB,
    OUNITS,
    iia_received,
    institution_updated,
    learning_agreement_received,
    nomination_received,
    ounit_of,
)
from smile_ewp_gateway.xmlkit import ns

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["fetch_group"]

_log = logging.getLogger("smile.ewp.fetch")
#: api -> (manifest name, major, limit name)
APIS = {
    "iias": ("iias", 7, "max-iia-ids"),
    "iias-approval": ("iias-approval", 2, "max-iia-ids"),
    "omobilities": ("omobilities", 3, "max-omobility-ids"),
    "omobility-las": ("omobility-las", 1, "max-omobility-ids"),
    "institutions": ("institutions", 2, "max-hei-ids"),
}


def _chunks(ids: Sequence[str], size: int) -> list[Sequence[str]]:
    size = max(1, size)
    return [ids[i : i + size] for i in range(0, len(ids), size)]


async def _get_all(
    gateway: Gateway,
    local: str,
    partner: str,
    api: str,
    ids: Sequence[str],
    extra: Sequence[tuple[str, str]],
    param: str,
) -> list[etree._Element]:
    name, major, limit = APIS[api]
    client = PartnerClient(gateway)
    entry = await client.entry(partner, name, major)
    roots = []
    for chunk in _chunks(ids, entry.limit(limit)):
        endpoint = "url" if api in ("iias-approval", "institutions") else "get"
        reply = await client.call(local, partner, name, major, endpoint, [*extra, *((param, i) for i in chunk)])
        roots.append(reply.root)
    return roots


async def fetch_group(gateway: Gateway, local: str, partner: str, api: str, ids: Sequence[str]) -> list[Recorded]:
    handlers: dict[str, Callable[[Gateway, str, str, Sequence[str]], object]] = {
        "iias": _iias,
        "iias-approval": _approvals,
        "omobilities": _nominations,
        "omobility-las": _las,
        "institutions": _institutions,
    }
    handler = handlers.get(api)
    if handler is None:
        raise PartnerCallError(f"unknown API {api}", retryable=False)
    result: list[Recorded] = await handler(gateway, local, partner, ids)  # type: ignore[misc]
    return result


async def _iias(gateway: Gateway, local: str, partner: str, ids: Sequence[str]) -> list[Recorded]:
    roots = await _get_all(gateway, local, partner, "iias", ids, (), "iia_id")
    events: list[Recorded] = []
    seen: set[str] = set()
    for root in roots:
        for iia in root.iterfind(f"{{{IIA}}}iia"):
            payload = iia_received(iia, local)
            if payload.partner_hei_id != partner or len(payload.partners) != 2 or payload.partners[1].hei_id != local:
                _log.warning("ignoring an IIA of %s that is not between %s and %s", partner, partner, local)
                continue
            seen.add(payload.partner_iia_id)
            events.append((payload, f"{partner}/{payload.partner_iia_id}"))
    now = datetime.now(UTC)
    for iia_id in ids:
        if iia_id not in seen:
            events.append(
                (
                    IiaDeleted(partner_hei_id=partner, partner_iia_id=iia_id, local_hei_id=local, observed_at=now),
                    f"{partner}/{iia_id}",
                )
            )
    return events


async def _approvals(gateway: Gateway, local: str, partner: str, ids: Sequence[str]) -> list[Recorded]:
    roots = await _get_all(gateway, local, partner, "iias-approval", ids, (), "iia_id")
    approval_ns = ns.api_ns("iias-approval", 2)
    events: list[Recorded] = []
    for root in roots:
        for approval in root.iterfind(f"{{{approval_ns}}}approval"):
            iia_id = approval.findtext(f"{{{approval_ns}}}iia-id") or ""
            if iia_id not in ids:
                continue
            approved = approval.findtext(f"{{{approval_ns}}}iia-hash") or ""
            current = await _current_hash(gateway, local, partner, iia_id)
            events.append(
                (
                    IiaApprovalReceived(
                        partner_hei_id=partner,
                        local_hei_id=local,
                        local_iia_id=iia_id,
                        approved_hash=approved,
                        current_hash=current,
                        matches_current=current == approved,
                        pdf_file_id=approval.findtext(f"{{{approval_ns}}}pdf-file"),
                        received_at=datetime.now(UTC),
                    ),
                    f"{partner}/{iia_id}",
                )
            )
    return events


async def _current_hash(gateway: Gateway, local: str, partner: str, iia_id: str) -> str | None:
    try:
        items = await gateway.owners.iias(local, partner, [("iia_id", iia_id)])
    except OwnerError as exc:
        raise PartnerCallError(f"cannot read our own IIA {iia_id}: {exc}", retryable=True) from exc
    found = next((i for i in items if str(i.get("iia_id")) == iia_id), None)
    value = found.get("iia_hash") if found else None
    return value if isinstance(value, str) else None


async def _nominations(gateway: Gateway, local: str, partner: str, ids: Sequence[str]) -> list[Recorded]:
    roots = await _get_all(gateway, local, partner, "omobilities", ids, (), "omobility_id")
    events: list[Recorded] = []
    seen: set[str] = set()
    for root in roots:
        for mobility in root.iterfind(f"{{{OMOB}}}student-mobility"):
            payload = nomination_received(mobility)
            if payload.receiving_hei.hei_id != local or payload.sending_hei.hei_id != partner:
                _log.warning("ignoring a mobility of %s not sent from %s to %s", partner, partner, local)
                continue
            seen.add(payload.omobility_id)
            events.append((payload, f"{partner}/{payload.omobility_id}"))
    now = datetime.now(UTC)
    for omobility_id in ids:
        if omobility_id not in seen:
            events.append(
                (
                    NominationDeleted(omobility_id=omobility_id, sending_hei_id=partner, observed_at=now),
                    f"{partner}/{omobility_id}",
                )
            )
    return events


async def _las(gateway: Gateway, local: str, partner: str, ids: Sequence[str]) -> list[Recorded]:
    roots = await _get_all(gateway, local, partner, "omobility-las", ids, [("sending_hei_id", partner)], "omobility_id")
    events: list[Recorded] = []
    for root in roots:
        for la in root.iterfind(f"{{{LA}}}la"):
            payload = learning_agreement_received(la)
            if payload.receiving_hei.hei_id != local or payload.sending_hei.hei_id != partner:
                _log.warning("ignoring an LA of %s not sent from %s to %s", partner, partner, local)
                continue
            events.append((payload, f"{partner}/{payload.omobility_id}"))
    return events


async def _institutions(gateway: Gateway, local: str, partner: str, ids: Sequence[str]) -> list[Recorded]:
    """The partner's own description of itself (Institutions API 2): country, city, website, contacts, and
    the units it lists (Organizational Units API 2, when it serves it)."""
    roots = await _get_all(gateway, local, partner, "institutions", [partner], (), "hei_id")
    events: list[Recorded] = []
    for root in roots:
        for hei in root.iterfind(f"{{{INSTITUTIONS}}}hei"):
            payload = institution_updated(hei, gateway.registry.current)
            if payload is not None and payload.hei_id == partner:
                listed = [e.text.strip() for e in hei.iterfind(f"{{{INSTITUTIONS}}}ounit-id") if e.text]
                units = await _ounits(gateway, local, partner, list(dict.fromkeys(listed)))
                events.append((payload.model_copy(update={"ounits": units}), partner))
    return events


async def _ounits(gateway: Gateway, local: str, partner: str, ids: Sequence[str]) -> list[EwpOrganisationalUnit] | None:
    """The partner's units by id; None when it does not serve the API or did not answer (read again tomorrow)."""
    catalogue = gateway.registry.current
    entry = catalogue.api(partner, "organizational-units", 2) if catalogue is not None else None
    if entry is None:
        return None
    client = PartnerClient(gateway)
    units: list[EwpOrganisationalUnit] = []
    try:
        for chunk in _chunks(ids, entry.limit("max-ounit-ids")):
            params = [("hei_id", partner), *(("ounit_id", i) for i in chunk)]
            reply = await client.call(local, partner, "organizational-units", 2, "url", params)
            units.extend(u for e in reply.root.iterfind(f"{{{OUNITS}}}ounit") if (u := ounit_of(e)) is not None)
    except PartnerCallError as exc:
        _log.info("organizational units of %s not read: %s", partner, exc.message)
        return None
    return units
