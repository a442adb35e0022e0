"""``smile-ewp-gateway api | worker | migrate | seed | dead-letters | outbox | keys | manifest``.

``api`` serves HTTPS itself when ``SMILE_EWP_TLS_CERT_FILE`` and ``SMILE_EWP_TLS_KEY_FILE`` are set (so that
partners, the registry and validators reach the manifest URLs directly); otherwise plain HTTP behind a
TLS-terminating proxy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from smile_common.cli import main as _main
from smile_ewp_gateway.definition import DEFINITION
from smile_ewp_gateway.settings import EwpGatewaySettings


def _serve_tls(argv: Sequence[str], settings: EwpGatewaySettings) -> int:
    parser = argparse.ArgumentParser(prog="smile-ewp-gateway api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    uvicorn.run(
        "smile_ewp_gateway.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=str(settings.ewp_tls_cert_file),
        ssl_keyfile=str(settings.ewp_tls_key_file),
        proxy_headers=True,
        log_config=None,
        access_log=False,
        # a signed Date must not be doubled by the server's own (see SMILE_EWP_RESPONSE_DATE_HEADER)
        date_header=settings.ewp_response_date_header != "date",
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["api"]:
        settings = EwpGatewaySettings()
        if settings.ewp_tls_cert_file and settings.ewp_tls_key_file:
            return _serve_tls(arguments[1:], settings)
    return _main(DEFINITION, arguments)
