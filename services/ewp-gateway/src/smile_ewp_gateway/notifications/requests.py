"""The XML bodies of SMILE's ``update`` requests (validated against the official schemas before sending)."""

from __future__ import annotations

from typing import Any

from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E, serialize
from smile_ewp_gateway.xmlkit.schemas import ewp_schemas

__all__ = ["la_update", "omobility_update"]


def omobility_update(omobility_id: str, payload: dict[str, Any]) -> bytes:
    """``omobilities-update-request``: approve or reject the nomination as of ``proposal_id``."""
    e = E(ns.api_ns("omobilities", 3, "update-request"))
    root = e.root("omobilities-update-request")
    action = e.sub(root, "approve-proposal-v1" if payload["action"] == "approve" else "reject-proposal-v1")
    e.sub(action, "omobility-id", omobility_id)
    e.sub(action, "proposal-id", payload["proposal_id"])
    if payload["action"] != "approve":
        e.sub(action, "comment", payload.get("comment") or "Rejected.")
    ewp_schemas.validate(root)
    return serialize(root)


def la_update(sending_hei_id: str, omobility_id: str, payload: dict[str, Any]) -> bytes:
    """``omobility-las-update-request``: sign (approve) or comment the changes proposal ``changes_proposal_id``."""
    la_ns = ns.api_ns("omobility-las", 1, "get-response")
    e = E(ns.api_ns("omobility-las", 1, "update-request"), {"la": la_ns})
    root = e.root("omobility-las-update-request")
    e.sub(root, "sending-hei-id", sending_hei_id)
    approve = payload["action"] == "approve"
    action = e.sub(root, "approve-proposal-v1" if approve else "comment-proposal-v1")
    e.sub(action, "omobility-id", omobility_id)
    e.sub(action, "changes-proposal-id", payload["changes_proposal_id"])
    if not approve:
        e.sub(action, "comment", payload.get("comment") or "See comment.")
    signature = e.sub(action, "signature")
    data = payload.get("signature") or {}
    for name in ("signer_name", "signer_position", "signer_email"):
        if data.get(name):
            e.sub(signature, name.replace("_", "-"), data[name], la_ns)
    e.sub(signature, "timestamp", data["timestamp"], la_ns)
    e.sub(signature, "signer-app", data.get("signer_app") or "SMILE", la_ns)
    ewp_schemas.validate(root)
    return serialize(root)
