"""Health, readiness, metrics, docs, migrations, and what callers see when the database is down."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.events import InMemoryBus
from smile_common.service import bootstrap, create_service_app
from smile_suite.registry import SERVICES


@pytest.mark.parametrize(("path", "definition"), SERVICES, ids=[d.name for _, d in SERVICES])
async def test_every_service_migrates_and_its_models_match_its_migrations(make_harness, path, definition) -> None:
    harness = await make_harness(definition)
    assert await definition.migrations.differences(harness.runtime.database) == []
    ready = await harness.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"
    docs = await harness.client.get("/docs")
    assert docs.status_code == 200
    spec = (await harness.client.get("/openapi.json")).json()
    operation_ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"healthz", "readyz", "metrics"} <= set(operation_ids)


async def test_metrics_count_requests_by_route(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    await catalogue.client.get("/courses", params={"hei": "unicaen.fr"})
    metrics = (await catalogue.client.get("/metrics")).text
    assert (
        'smile_http_request_duration_seconds_count{method="GET",route="/courses",service="catalogue",status="200"}'
        in metrics
    )


async def test_database_down_gives_503_problems_not_tracebacks(tmp_path: Path) -> None:
    settings = CATALOGUE.settings_cls(
        data_dir=tmp_path, database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none", log_json=False
    )
    runtime = bootstrap(CATALOGUE, settings, bus=InMemoryBus())
    app = create_service_app(CATALOGUE, runtime)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            listing = await client.get("/courses", params={"hei": "unicaen.fr"})
            assert listing.status_code == 503
            assert listing.headers["content-type"] == "application/problem+json"
            assert listing.headers["retry-after"] == "5"
            assert "Traceback" not in listing.text
            token = runtime.dev_issuer.mint(subject="e", roles=["catalogue_editor"], hei="unicaen.fr")  # type: ignore[union-attr]
            write = await client.post(
                "/courses",
                json={"code": "X", "title": {"en": "X"}, "ects": 3},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert write.status_code == 503
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("unavailable")
            assert (await client.get("/healthz")).status_code == 200
    finally:
        await runtime.close()
