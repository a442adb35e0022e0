"""Serving an API behind a reverse proxy that keeps the path prefix (``/catalogue/...`` on an Ingress)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["RootPathMiddleware"]


class RootPathMiddleware:
    """Mark requests that arrive under ``prefix`` so that routing, docs and OpenAPI ``servers`` use it.

    Requests without the prefix (probes, port-forwards, service-to-service calls) are served unchanged.
    Per the ASGI spec the path keeps the prefix and ``root_path`` names it; Starlette routes on the rest.
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"} and not scope.get("root_path"):
            path: str = scope["path"]
            if path == self.prefix or path.startswith(self.prefix + "/"):
                scope = {**scope, "root_path": self.prefix}
        await self.app(scope, receive, send)
