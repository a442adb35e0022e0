"""Sending one group of queued calls (same university, partner and API) to the partner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smile_ewp_gateway.notifications.handlers import BATCHED_APIS
from smile_ewp_gateway.notifications.requests import la_update, omobility_update
from smile_ewp_gateway.partners.client import PartnerCallError, PartnerClient
from smile_ewp_gateway.partners.translate import IIA
from smile_ewp_gateway.xmlkit import ns

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway
    from smile_ewp_gateway.notifications.outbound import Sent

__all__ = ["send"]

Item = tuple[int, str, dict[str, object], str | None]
#: api -> (manifest name, major, parameter, limit)
_CNRS = {
    "iia-cnr": ("iia-cnr", 3, "iia_id", None),
    "iia-approval-cnr": ("iia-approval-cnr", 2, "iia_id", None),
    "imobility-cnr": ("imobility-cnr", 2, "omobility_id", "max-omobility-ids"),
    "imobility-tor-cnr": ("imobility-tor-cnr", 2, "omobility_id", "max-omobility-ids"),
}


async def send(gateway: Gateway, local: str, partner: str, api: str, items: list[Item]) -> list[Sent]:
    from smile_ewp_gateway.notifications.outbound import Sent

    client = PartnerClient(gateway)
    outcomes: list[Sent] = []
    try:
        if api in _CNRS:
            name, major, param, limit = _CNRS[api]
            entry = await client.entry(partner, name, major)
            size = entry.limit(limit) if limit and api in BATCHED_APIS else 1
            for start in range(0, len(items), size):
                chunk = items[start : start + size]
                outcomes.append(await _cnr(gateway, client, local, partner, api, chunk, name, major, param))
        else:
            for item in items:
                outcomes.append(await _update(client, local, partner, api, item))
    except PartnerCallError as exc:  # the partner has no such API: nothing can be sent
        done = {i for o in outcomes for i in o.row_ids}
        outcomes.append(Sent([i[0] for i in items if i[0] not in done], exc))
    return outcomes


async def _cnr(
    gateway: Gateway,
    client: PartnerClient,
    local: str,
    partner: str,
    api: str,
    chunk: list[Item],
    name: str,
    major: int,
    param: str,
) -> Sent:
    from smile_ewp_gateway.notifications.outbound import Sent

    ids = [i[0] for i in chunk]
    try:
        if api == "iia-approval-cnr":
            await _check_still_approved(client, local, partner, chunk[0])
        await client.call(local, partner, name, major, "url", [(param, item[1]) for item in chunk])
    except PartnerCallError as exc:
        return Sent(ids, exc)
    return Sent(ids)


async def _check_still_approved(client: PartnerClient, local: str, partner: str, item: Item) -> None:
    """Before announcing an approval, the partner's copy must still have the hash that was approved."""
    approved = item[2].get("approved_hash")
    reply = await client.call(local, partner, "iias", 7, "get", [("iia_id", item[1])])
    iia = next(
        (i for i in reply.root.iterfind(f"{{{IIA}}}iia") if i.findtext(f"{{{IIA}}}partner/{{{IIA}}}iia-id") == item[1]),
        None,
    )
    current = iia.findtext(f"{{{IIA}}}iia-hash") if iia is not None else None
    if current != approved:
        raise PartnerCallError(
            f"the partner's IIA {item[1]} changed since it was approved (hash {current}, approved {approved}); "
            "approve its current version again",
            retryable=False,
            status=409,
        )


async def _update(client: PartnerClient, local: str, partner: str, api: str, item: Item) -> Sent:
    from smile_ewp_gateway.notifications.outbound import Sent

    row_id, entity, payload, _ = item
    try:
        if api == "omobilities-update":
            reply = await client.call(
                local, partner, "omobilities", 3, "update", xml_body=omobility_update(entity, payload), log_api=api
            )
        else:
            reply = await client.call(
                local, partner, "omobility-las", 1, "update", xml_body=la_update(partner, entity, payload), log_api=api
            )
    except PartnerCallError as exc:
        return Sent([row_id], exc)
    messages = [m.text for m in reply.root.iter(f"{{{ns.COMMON}}}success-user-message") if m.text]
    return Sent([row_id], message="\n".join(messages) or None)
