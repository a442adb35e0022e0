"""The bench's stand-ins, as one HTTP server: the EWP registry (the gateway's manifest and the bench
partner's) and the agreements service's internal IIA read (100 IIAs with their v7 XML and hash).

    python bench/ewp/support.py --port P --partner-key FILE   (started by bench_gateway.py)
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI, Query
from lxml import etree

from smile_ewp_gateway.discovery.manifest import build_manifest
from smile_ewp_gateway.httpsig import SigningKey
from smile_ewp_gateway.identity.keystore import KeyStore
from smile_ewp_gateway.iias.hashing import iia_hash
from smile_ewp_gateway.settings import EwpGatewaySettings
from smile_ewp_gateway.testpartner.data import IIA_NS, example_iia
from smile_ewp_gateway.testpartner.node import FakePartner
from smile_ewp_gateway.testpartner.registry import build_catalogue

PARTNER = "uw.edu.pl"
SMILE = "unicaen.fr"
IIA_IDS = [str(uuid.UUID(int=i + 1)) for i in range(100)]


def iias() -> dict[str, dict[str, Any]]:
    out = {}
    for iia_id in IIA_IDS:
        element = example_iia(SMILE, PARTNER, iia_id, smile_iia_id=f"partner-{iia_id[-4:]}")
        xml = etree.tostring(element, encoding="unicode", with_tail=False)
        out[iia_id] = {
            "iia_id": iia_id,
            "iia_hash": iia_hash(element).sha256,
            "ewp_xml": xml,
            "partner_hei_id": PARTNER,
        }
        assert element.findtext(f"{{{IIA_NS}}}iia-hash") == out[iia_id]["iia_hash"]
    return out


def app(partner_key: SigningKey) -> FastAPI:
    settings = EwpGatewaySettings()
    keys = KeyStore(settings.keys_dir)
    partner = FakePartner(PARTNER, "https://partner.bench.invalid/ewp", keys=(partner_key, partner_key))
    catalogue = build_catalogue([build_manifest(settings, settings.covered_heis[0], keys), partner.manifest()])
    data = iias()
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @server.get("/catalogue-v1.xml")
    async def registry() -> Any:
        from fastapi import Response

        return Response(catalogue, media_type="application/xml")

    @server.get("/internal/ewp/iias")
    async def agreements(partner_hei_id: str, iia_id: list[str] = Query(default=[])) -> dict[str, Any]:
        return {"items": [data[i] for i in iia_id if i in data and data[i]["partner_hei_id"] == partner_hei_id]}

    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--partner-key", required=True)
    args = parser.parse_args()
    key = SigningKey.from_pem(open(args.partner_key, "rb").read())  # noqa: SIM115
    uvicorn.run(app(key), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
