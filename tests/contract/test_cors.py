"""The separate JavaScript frontend calls the APIs from another origin, with a bearer token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.testing.servers import serve

PAGE = """<!doctype html><html><body><pre id="result">pending</pre><script>
const params = new URLSearchParams(location.search);
const api = params.get("api"), token = params.get("token");
(async () => {
  try {
    const created = await fetch(api + "/courses", {
      method: "POST",
      headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
      body: JSON.stringify({code: "CORS-101", title: {en: "Cross-origin course"}, ects: 5}),
    });
    const body = await created.json();
    const listing = await fetch(api + "/courses?hei=unicaen.fr", {headers: {"Authorization": "Bearer " + token}});
    const page = await listing.json();
    document.getElementById("result").textContent = JSON.stringify({
      status: created.status, code: body.code,
      correlation: created.headers.get("x-correlation-id"),
      listed: page.items.map(c => c.code),
    });
  } catch (err) {
    document.getElementById("result").textContent = JSON.stringify({blocked: String(err)});
  }
})();
</script></body></html>"""


async def _page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


async def _run_page(browser: Any, page_url: str, api_url: str, token: str) -> dict[str, Any]:
    page = await browser.new_page()
    try:
        await page.goto(f"{page_url}/?api={api_url}&token={token}")
        await page.wait_for_function("document.getElementById('result').textContent !== 'pending'", timeout=15000)
        return json.loads(await page.text_content("#result"))  # type: ignore[no-any-return]
    finally:
        await page.close()


@pytest.mark.parametrize("smile_stack", ["embedded"], indirect=True)
async def test_a_page_on_an_allowed_origin_calls_the_api_with_a_bearer_token(make_harness, browser) -> None:
    frontend = Starlette(routes=[Route("/", _page)])
    async with serve(frontend) as page_url, serve(frontend) as other_url:
        catalogue = await make_harness(CATALOGUE, cors_origins=[page_url])
        token = catalogue.token("catalogue_editor", hei="unicaen.fr")
        async with serve(catalogue.app) as api_url:
            allowed = await _run_page(browser, page_url, api_url, token)
            assert allowed["status"] == 201
            assert allowed["code"] == "CORS-101"
            assert allowed["correlation"]  # exposed to the page
            assert "CORS-101" in allowed["listed"]

            refused = await _run_page(browser, other_url, api_url, token)
            assert "blocked" in refused  # the browser refuses the response to an origin not configured
    # the refused page's preflight stopped its POST before it reached the API: one course only
    listing = await catalogue.client.get("/courses", headers=catalogue.headers("coordinator"))
    assert [c["code"] for c in listing.json()["items"]] == ["CORS-101"]


@pytest.mark.parametrize("smile_stack", ["embedded"], indirect=True)
async def test_preflight_is_answered_for_allowed_origins_only(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE, cors_origins=["https://app.univ.example"])
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    ok = await catalogue.client.options("/courses", headers={"Origin": "https://app.univ.example", **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://app.univ.example"
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    refused = await catalogue.client.options("/courses", headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
