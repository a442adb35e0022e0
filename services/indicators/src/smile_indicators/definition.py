"""The indicators service as the shared plumbing sees it."""

from __future__ import annotations

from pathlib import Path

from smile_common.service import ServiceDefinition
from smile_indicators import worker
from smile_indicators.commands import COMMANDS
from smile_indicators.db import metadata, outbox, tables
from smile_indicators.facts import registry as _facts  # noqa: F401  (registers the read models' tables)
from smile_indicators.privacy import DATA_PROTECTION
from smile_indicators.settings import IndicatorsSettings


def _routers() -> list:  # type: ignore[type-arg]
    from smile_indicators.dashboard import endpoints as dashboard
    from smile_indicators.exports import endpoints as datasets
    from smile_indicators.figures import endpoints as figures
    from smile_indicators.figures import legacy
    from smile_indicators.ops import endpoints as ops
    from smile_indicators.roster import endpoints as roster

    return [figures.router, datasets.router, roster.router, dashboard.router, legacy.router, ops.router]


DEFINITION = ServiceDefinition(
    name="indicators",
    title="SMILE indicators",
    description="Steering figures built from every service's events: filters, time series, exports for BI "
    "tools, the crisis roster and a dashboard page. Definitions of every figure: docs/indicators.md.",
    version="0.2.0",
    settings_cls=IndicatorsSettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=_routers,
    consumers=worker.consumers,
    commands=COMMANDS,
    data_protection=DATA_PROTECTION,
    openapi_tags=[
        {"name": "figures", "description": "Steering figures with filters, breakdowns and time series"},
        {"name": "datasets", "description": "The anonymised facts behind the figures, for BI tools"},
        {"name": "crisis roster", "description": "Who is here, where, and how to reach them (restricted, audited)"},
        {"name": "dashboard", "description": "The dashboard page for people"},
        {"name": "operations", "description": "What the projector received"},
    ],
)
