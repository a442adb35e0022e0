"""HTTP access to Pégase's modules: authentication, error translation, pagination."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from smile_sis.errors import SisAuthenticationError, SisNotFound, SisRejected, SisUnavailable
from smile_sis.pegase.auth import CasTokenProvider, PegaseAuth
from smile_sis.pegase.config import PegaseConfig

__all__ = ["BASE_PATHS", "Params", "PegaseClient"]

#: module -> API base path (see PEGASE.md §2)
BASE_PATHS: dict[str, str] = {
    "idt": "/api/idt/ext/v1",
    "ins-ext": "/api/ins/ext/v2",
    "ins": "/api/ins/v1",
    "chc": "/api/chc/v6",
    "chc-ext": "/api/ext/chc/v1",
    "coc": "/api/coc/publication/v2",
    "odf": "/api/odf/ext/v1",
}
_HOST_OF = {"ins-ext": "ins", "chc-ext": "chc"}

Params = Mapping[str, str | int | bool | Sequence[str]]


def _error_detail(response: httpx.Response) -> str:
    """The message of a Pégase ``Erreur`` / ``Erreurs`` body, or the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
        if "message" in body:
            return str(body["message"])
    return response.text[:500]


class PegaseClient:
    """One authenticated ``httpx.AsyncClient`` for every Pégase module of one establishment."""

    def __init__(self, config: PegaseConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.structure = config.structure_code
        self.tokens = CasTokenProvider(
            f"{config.base_url('authn')}/cas/v1/tickets",
            config.username,
            config.password.get_secret_value(),
            timeout=config.timeout_seconds,
            renew_before=config.token_renew_seconds,
            default_lifetime=config.token_default_lifetime_seconds,
            transport=transport,
        )
        self.http = httpx.AsyncClient(
            auth=PegaseAuth(self.tokens),
            headers={"Accept": "application/json"},
            timeout=httpx.Timeout(config.timeout_seconds, connect=min(config.timeout_seconds, 5.0)),
            transport=transport,
        )

    def url(self, api: str, path: str) -> str:
        return f"{self.config.base_url(_HOST_OF.get(api, api))}{BASE_PATHS[api]}{path}"

    async def request(
        self, method: str, api: str, path: str, *, params: Params | None = None, json: Any = None
    ) -> httpx.Response:
        """Send one call; translate transport failures and error statuses into SIS errors."""
        url = self.url(api, path)
        try:
            response = await self.http.request(method, url, params=_flatten(params), json=json)
        except httpx.TimeoutException as exc:
            raise SisUnavailable(f"Pégase did not answer in time ({method} {path})") from exc
        except httpx.HTTPError as exc:
            raise SisUnavailable(f"Pégase unreachable ({method} {path}): {exc.__class__.__name__}") from exc
        self._raise_for_status(method, path, response)
        return response

    async def get(self, api: str, path: str, params: Params | None = None) -> Any:
        response = await self.request("GET", api, path, params=params)
        return response.json() if response.content else None

    async def get_all(self, api: str, path: str, params: Params | None = None, *, size: int = 200) -> list[Any]:
        """Every item of a paged ``{items, totalPages, page}`` listing (pages are 0-based)."""
        items: list[Any] = []
        page = 0
        while True:
            body = await self.get(api, path, {**(params or {}), "page": page, "taille": size})
            if isinstance(body, list):  # some routes answer a plain array
                return body
            items.extend(body.get("items") or [])
            total_pages = int(body.get("totalPages") or 0)
            page += 1
            if page >= total_pages:
                return items

    def _raise_for_status(self, method: str, path: str, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        what = f"Pégase {method} {path}"
        detail = _error_detail(response)
        if status >= 500:
            raise SisUnavailable(f"{what} failed", status=status, detail=detail)
        if status in (401, 403):
            raise SisAuthenticationError(f"{what} refused the service account", status=status, detail=detail)
        if status == 404:
            raise SisNotFound(f"{what}: not found", status=status, detail=detail)
        raise SisRejected(f"{what} refused", status=status, detail=detail)

    async def aclose(self) -> None:
        await self.http.aclose()


def _flatten(params: Params | None) -> list[tuple[str, str | int | float | bool | None]] | None:
    """Repeated list parameters as repeated keys (``?ids=a&ids=b``); booleans as ``true``/``false``."""
    if params is None:
        return None
    out: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in params.items():
        values: list[str | int | bool] = [value] if isinstance(value, str | int | bool) else list(value)
        for v in values:
            out.append((key, ("true" if v else "false") if isinstance(v, bool) else v))
    return out
