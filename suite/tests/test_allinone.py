"""`make run`: all five services in one process, migrated, seeded, with events flowing between them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from starlette.routing import Mount

from smile_common.security import DevIssuer
from smile_suite.allinone import SuiteSettings, create_suite_app


async def test_the_whole_suite_runs_in_one_process_with_demo_data(tmp_path: Path) -> None:
    settings = SuiteSettings(data_dir=tmp_path, log_json=False, outbox_poll_seconds=0.2)
    app = create_suite_app(settings)
    token = DevIssuer(tmp_path).mint(subject="a", roles=["analyst"], hei="unicaen.fr")
    lifespan = LifespanManager(app, startup_timeout=60, shutdown_timeout=30)
    async with (
        lifespan as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://smile") as client,
    ):
        index = (await client.get("/")).json()
        assert set(index["services"]) == {"catalogue", "agreements", "records", "ewp_gateway", "indicators"}
        for prefix in ("catalogue", "agreements", "records", "ewp", "indicators"):
            assert (await client.get(f"/{prefix}/docs")).status_code == 200
            assert (await client.get(f"/{prefix}/openapi.json")).status_code == 200
        assert (await client.get("/readyz")).json()["status"] == "ok"

        public = (await client.get("/catalogue/courses", params={"hei": "unicaen.fr", "limit": 1})).json()
        assert public["total"] >= 10
        staff = {
            "Authorization": f"Bearer {DevIssuer(tmp_path).mint(subject='c', roles=['coordinator'], hei='unicaen.fr')}"
        }
        courses = (
            await client.get("/catalogue/courses", params={"status": "published", "limit": 1}, headers=staff)
        ).json()
        published = courses["total"]  # the indicators count every published course, open to exchange or not
        assert published >= 10
        figure = 0
        for _ in range(600):  # the seeded courses' events reach the indicators through the bus
            response = await client.get("/indicators/catalogue/figures", headers={"Authorization": f"Bearer {token}"})
            figure = response.json()["courses_published"]
            if figure == published:
                break
            await asyncio.sleep(0.05)
        assert figure == published
    for service in ("catalogue", "agreements", "records", "ewp_gateway", "indicators"):
        assert (tmp_path / f"{service}.db").exists()


def test_the_services_call_each_other_through_the_same_server_unless_told_otherwise(tmp_path: Path) -> None:
    settings = SuiteSettings(
        data_dir=tmp_path,
        public_base_url="https://mobility.example.fr/smile/",
        service_urls={"records": "http://records.internal:8000"},
    )
    app = create_suite_app(settings)
    mounted = {route.path: route.app for route in app.routes if isinstance(route, Mount)}
    urls = mounted["/agreements"].state.runtime.settings.service_urls
    assert urls["catalogue"] == "https://mobility.example.fr/smile/catalogue"
    assert urls["ewp_gateway"] == "https://mobility.example.fr/smile/ewp"
    assert urls["records"] == "http://records.internal:8000"  # SMILE_SERVICE_URLS wins
