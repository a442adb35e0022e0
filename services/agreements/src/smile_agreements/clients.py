"""Calls to the other SMILE services (service role), and the factsheet read used by nomination checks."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from smile_agreements.mobilities.checks import Deadline, FactsheetView
from smile_common.http import ClientCredentialsTokens, DevServiceTokens, TokenProvider, service_client
from smile_common.service import Runtime

_log = logging.getLogger("smile.agreements.clients")


def service_tokens(runtime: Runtime) -> TokenProvider | None:
    cached: TokenProvider | None = runtime.extras.get("service_tokens")
    if cached is not None:
        return cached
    s = runtime.settings
    tokens: TokenProvider | None = None
    if s.oidc_token_url and s.service_client_id and s.service_client_secret:
        secret = s.service_client_secret.get_secret_value()
        tokens = ClientCredentialsTokens(s.oidc_token_url, s.service_client_id, secret, audience=s.oidc_audience)
    elif runtime.dev_issuer is not None:
        tokens = DevServiceTokens(runtime.dev_issuer, runtime.name)
    runtime.extras["service_tokens"] = tokens
    return tokens


def client_for(runtime: Runtime, service: str, tenant: str) -> httpx.AsyncClient | None:
    """A client for ``service`` acting for ``tenant``, or None when its URL is not configured."""
    base = runtime.settings.service_urls.get(service)
    tokens = service_tokens(runtime)
    if not base or tokens is None:
        return None
    transport: httpx.AsyncBaseTransport | None = runtime.extras.get(f"transport:{service}")
    return service_client(base, tokens, tenant=tenant, timeout=5.0, retries=1, transport=transport)


async def load_factsheet(runtime: Runtime, tenant: str) -> FactsheetView | None:
    """The catalogue's factsheet (``GET /internal/ewp/factsheet``); None when it cannot be read."""
    client = client_for(runtime, "catalogue", tenant)
    if client is None:
        return None
    try:
        async with client:
            response = await client.get("/internal/ewp/factsheet")
        if response.status_code != 200:
            return None
        return parse_factsheet(response.json())
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        _log.warning("factsheet of %s unavailable: %s", tenant, exc)
        return None


def _month_day(value: object) -> tuple[int, int] | None:
    if not isinstance(value, str) or not value.startswith("--"):
        return None
    month, day = value[2:].split("-")
    return int(month), int(day)


def parse_factsheet(body: dict[str, Any]) -> FactsheetView:
    """The catalogue's factsheet (EWP Factsheet fields plus language and document requirements)."""
    deadlines = []
    for term_number, key in ((1, "nominations_autumn"), (2, "nominations_spring")):
        found = _month_day(body.get(key))
        if found is not None:
            deadlines.append(Deadline(term_number=term_number, month=found[0], day=found[1]))
    languages = tuple(
        (str(x["language"]), str(x["cefr_level"]), x.get("isced_code"))
        for x in body.get("language_requirements") or []
        if x.get("cefr_level")
    )
    documents = tuple(_document_name(d) for d in body.get("required_documents") or [])
    return FactsheetView(nomination_deadlines=tuple(deadlines), required_documents=documents, languages=languages)


def _document_name(document: object) -> str:
    if isinstance(document, dict):
        names = document.get("name") or {}
        return str(names.get("en") or next(iter(names.values()), None) or document.get("code"))
    return str(document)
