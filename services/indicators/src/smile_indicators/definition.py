"""The indicators service as the shared plumbing sees it."""

from __future__ import annotations

from pathlib import Path

from smile_common.service import ServiceDefinition
from smile_indicators import worker
from smile_indicators.catalogue import endpoints as catalogue
from smile_indicators.catalogue import models as _models  # noqa: F401  (registers the tables)
from smile_indicators.db import metadata, outbox, tables
from smile_indicators.settings import IndicatorsSettings

DEFINITION = ServiceDefinition(
    name="indicators",
    title="SMILE indicators",
    description="Steering figures built from every service's events.",
    version="0.1.0",
    settings_cls=IndicatorsSettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=lambda: [catalogue.router],
    consumers=worker.consumers,
    openapi_tags=[{"name": "catalogue", "description": "Figures about the course offer"}],
)
