"""The bench's stand-in for the EWP registry (the gateway's manifest and the bench partner's), as an HTTP
server (the IIAs come from the real agreements service).

    python bench/ewp/support.py --port P --partner-key FILE   (started by bench_gateway.py)
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI

from smile_ewp_gateway.discovery.manifest import build_manifest
from smile_ewp_gateway.httpsig import SigningKey
from smile_ewp_gateway.identity.keystore import KeyStore
from smile_ewp_gateway.settings import EwpGatewaySettings
from smile_ewp_gateway.testpartner.node import FakePartner
from smile_ewp_gateway.testpartner.registry import build_catalogue

PARTNER = "uw.edu.pl"
SMILE = "unicaen.fr"


def app(partner_key: SigningKey) -> FastAPI:
    settings = EwpGatewaySettings()
    keys = KeyStore(settings.keys_dir)
    partner = FakePartner(PARTNER, "https://partner.bench.invalid/ewp", keys=(partner_key, partner_key))
    catalogue = build_catalogue([build_manifest(settings, settings.covered_heis[0], keys), partner.manifest()])
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @server.get("/catalogue-v1.xml")
    async def registry() -> Any:
        from fastapi import Response

        return Response(catalogue, media_type="application/xml")

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
