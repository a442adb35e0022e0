"""Security headers on every response (APIs, problem documents, the docs page, downloads)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_CSP", "SecurityHeadersMiddleware"]

#: JSON APIs load nothing and may not be framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: HTML pages a service serves itself (dashboards): only their own resources.
HTML_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
#: the interactive API documentation loads its scripts from a CDN: only framing is restricted there.
DOCS_CSP = "frame-ancestors 'none'"
_DOCS_SUFFIXES = ("/docs", "/docs/oauth2-redirect")


class SecurityHeadersMiddleware:
    """Adds the headers below unless the endpoint set them itself.

    ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer``, a
    ``Content-Security-Policy`` suited to the kind of response, ``Strict-Transport-Security`` (when
    ``hsts_seconds`` > 0), ``Cross-Origin-Opener-Policy``/``-Resource-Policy``, a ``Permissions-Policy``
    that turns powerful browser features off, and ``Cache-Control: no-store`` on any response to a
    request that carried credentials (personal data must not sit in shared caches).
    """

    def __init__(self, app: ASGIApp, *, hsts_seconds: int = 31_536_000) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains" if hsts_seconds > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        authenticated = any(key == b"authorization" for key, _ in scope.get("headers", []))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._apply(headers, path, authenticated)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _apply(self, headers: MutableHeaders, path: str, authenticated: bool) -> None:
        content_type = headers.get("content-type", "")
        if path.endswith(_DOCS_SUFFIXES):
            csp = DOCS_CSP
        elif content_type.startswith("text/html"):
            csp = HTML_CSP
        else:
            csp = API_CSP
        defaults = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": csp,
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Resource-Policy": "same-site",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        }
        if self.hsts:
            defaults["Strict-Transport-Security"] = self.hsts
        if authenticated:
            defaults["Cache-Control"] = "no-store"
        for name, value in defaults.items():
            if name not in headers:
                headers[name] = value
