"""The dashboard page in a real headless Chromium: it loads, its charts draw the figures, filters change them,
and the crisis roster shows to the roles allowed to see it."""

from __future__ import annotations

from typing import Any

import pytest

from smile_common.testing.servers import serve
from smile_indicators.figures import clock

from . import scenario
from .conftest import deliver, started


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: scenario.NOW)


async def _bars(page: Any, chart: str, series: str | None = None) -> dict[str, str]:
    selector = f'[data-chart="{chart}"] rect.bar' + (f'[data-series="{series}"]' if series else "")
    return dict(await page.eval_on_selector_all(selector, "bars => bars.map(b => [b.dataset.key, b.dataset.value])"))


async def _refreshed(page: Any, count: int) -> None:
    # selectors, not scripts: the page's Content-Security-Policy forbids evaluating strings
    await page.wait_for_selector(f'body[data-refreshes="{count}"][data-ready="true"]', timeout=90_000)


async def _drawn_for(page: Any, filters: str) -> None:
    """Wait until the page has drawn the figures for exactly these filters (query-string form)."""
    await page.wait_for_selector(f'body[data-filters="{filters}"][data-ready="true"]', timeout=90_000)


async def test_the_dashboard_draws_the_figures_and_filters_change_them(make_harness, smile_bus, browser) -> None:
    h = await started(make_harness)
    await deliver(h, smile_bus, scenario.scenario())
    async with serve(h.app) as base:
        page = await browser.new_page()
        page.set_default_timeout(90_000)  # a loaded CI machine: eleven figures are computed per refresh
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{base}/dashboard#token={h.token('coordinator')}")
        await _refreshed(page, 1)
        assert "token" not in page.url  # the token leaves the address bar at once

        assert await page.text_content('[data-tile="students"] .value') == "5"
        assert await page.text_content('[data-tile="ewp_share"] .value') == "75 %"
        assert await page.text_content('[data-tile="la_median"] .value') == "15"
        assert await page.text_content('[data-tile="sis_open"] .value') == "1"
        assert await _bars(page, "students-by-country") == {"DE": "2", "IT": "2", "PL": "1"}
        months = await _bars(page, "students-by-month")
        assert (len(months), months["2025-09"], months["2026-09"]) == (13, "4", "1")
        assert await _bars(page, "nominations-by-year", "accepted") == {"2025/2026": "5", "2026/2027": "1"}
        assert await _bars(page, "quota-by-partner", "places") == {
            "uni-koeln.de": "6",
            "unibo.it": "1",
            "uw.edu.pl": "0",
        }

        await page.select_option('select[name="faculty"]', "SCI")
        await _drawn_for(page, "faculty=SCI")
        assert await _bars(page, "students-by-country") == {"DE": "1", "PL": "1"}
        assert await page.text_content('[data-tile="students"] .value') == "2"
        # the IIA figures take no faculty filter: they stay as they were
        assert await _bars(page, "quota-by-partner", "places") == {
            "uni-koeln.de": "6",
            "unibo.it": "1",
            "uw.edu.pl": "0",
        }

        await page.select_option('select[name="faculty"]', "")
        await page.select_option('select[name="academic_year"]', "2026/2027")
        await _drawn_for(page, "academic_year=2026%2F2027")
        assert await _bars(page, "students-by-country") == {"PL": "1"}

        # the roster of today: M6 only; then January 2026
        await page.wait_for_selector('#roster[data-state="shown"]')
        assert await page.eval_on_selector_all("#roster-table tbody tr", "rows => rows.length") == 1
        await page.fill('#roster-form input[name="from"]', "2026-01-01")
        await page.fill('#roster-form input[name="to"]', "2026-01-31")
        await page.click('#roster-form button[type="submit"]')
        await page.wait_for_selector("#roster-table tbody tr:nth-child(4)")
        cities = await page.eval_on_selector_all('[data-counts="by_city"] li', "items => items.map(i => i.textContent)")
        assert cities == ["Caen: 2", "Cherbourg-en-Cotentin: 2"]
        assert errors == []


async def test_an_analyst_sees_the_figures_but_not_the_roster(make_harness, smile_bus, browser) -> None:
    h = await started(make_harness)
    await deliver(h, smile_bus, scenario.scenario())
    async with serve(h.app) as base:
        page = await browser.new_page()
        page.set_default_timeout(90_000)
        await page.goto(f"{base}/dashboard#token={h.token('analyst')}")
        await _refreshed(page, 1)
        assert await page.text_content('[data-tile="students"] .value') == "5"
        await page.wait_for_selector('#roster[data-state="forbidden"]')
        assert "does not give access" in (await page.text_content("#roster-message") or "")
        assert await page.eval_on_selector_all("#roster-table tbody tr", "rows => rows.length") == 0


async def test_without_a_token_the_page_asks_for_one(make_harness, browser) -> None:
    h = await started(make_harness)
    async with serve(h.app) as base:
        page = await browser.new_page()
        page.set_default_timeout(90_000)
        response = await page.goto(f"{base}/dashboard")
        assert response is not None
        assert "default-src 'self'" in (await response.header_value("content-security-policy") or "")
        await page.wait_for_selector("#sign-in:not([hidden])")
        await page.fill("#token", "not-a-token")
        await page.click('#token-form button[type="submit"]')
        await page.wait_for_selector("#status:has-text('refused')")
        await page.fill("#token", h.token("analyst"))
        await page.click('#token-form button[type="submit"]')
        await _refreshed(page, 1)
        assert await page.is_visible("#dashboard")
