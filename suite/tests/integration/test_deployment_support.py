"""What deployments rely on: an API behind a path prefix, and pods that wait for the migration job."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.cli import main
from smile_common.testing.harness import Stack
from smile_common.testing.infra import create_test_database, drop_test_database
from smile_suite.allinone import SuiteSettings, create_suite_app


async def test_an_api_behind_a_path_prefix_serves_with_and_without_it(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE, root_path="/catalogue")
    through_proxy = await catalogue.client.get("/catalogue/courses", params={"hei": "unicaen.fr"})
    direct = await catalogue.client.get("/courses", params={"hei": "unicaen.fr"})
    assert through_proxy.status_code == direct.status_code == 200
    assert through_proxy.json() == direct.json()
    assert (await catalogue.client.get("/healthz")).status_code == 200
    spec = (await catalogue.client.get("/catalogue/openapi.json")).json()
    assert spec["servers"] == [{"url": "/catalogue"}]
    docs = await catalogue.client.get("/catalogue/docs")
    assert "'/catalogue/openapi.json'" in docs.text
    assert "'/openapi.json'" in (await catalogue.client.get("/docs")).text


@pytest.fixture
def fresh_database(smile_stack: Stack, tmp_path: Path):
    """An empty database on the test's stack (nothing migrated yet)."""
    if smile_stack.is_infra:
        assert smile_stack.postgres_url is not None
        url = asyncio.run(create_test_database(smile_stack.postgres_url, prefix="smile_wait"))
        yield url
        asyncio.run(drop_test_database(url))
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'catalogue.db'}"


def test_pods_wait_for_the_migration_job_then_start(
    fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMILE_DATABASE_URL", fresh_database)
    monkeypatch.setenv("SMILE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SMILE_LOG_JSON", "false")
    started = time.monotonic()
    assert main(CATALOGUE, ["migrate", "--wait", "1"]) == 1  # nothing migrated: the pod must not start
    assert time.monotonic() - started >= 1

    results: list[int] = []
    waiter = threading.Thread(target=lambda: results.append(main(CATALOGUE, ["migrate", "--wait", "60"])))
    waiter.start()
    time.sleep(0.5)
    assert waiter.is_alive()  # still waiting while the job has not run
    assert main(CATALOGUE, ["migrate"]) == 0  # the migration job
    waiter.join(timeout=30)
    assert results == [0]


async def test_the_whole_suite_behind_a_path_prefix(tmp_path: Path) -> None:
    settings = SuiteSettings(data_dir=tmp_path, log_json=False, seed_demo_data=False, root_path="/smile")
    async with (
        LifespanManager(create_suite_app(settings), startup_timeout=60) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://smile") as client,
    ):
        docs = await client.get("/smile/catalogue/docs")
        assert docs.status_code == 200
        assert "/smile/catalogue/openapi.json" in docs.text
        assert (await client.get("/smile/catalogue/openapi.json")).json()["servers"] == [{"url": "/smile/catalogue"}]
        listing = await client.get("/smile/catalogue/courses", params={"hei": "unicaen.fr"})
        assert listing.status_code == 200
        assert (await client.get("/catalogue/courses", params={"hei": "unicaen.fr"})).status_code == 200
