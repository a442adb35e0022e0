"""The agreements service as the shared plumbing sees it."""

from __future__ import annotations

from pathlib import Path

from smile_agreements.db import metadata, outbox, tables
from smile_agreements.settings import AgreementsSettings
from smile_common.service import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="agreements",
    title="SMILE agreements",
    description="SMILE agreements: partner institutions, IIAs, nominations, learning agreements.",
    version="0.1.0",
    settings_cls=AgreementsSettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=lambda: [],
)
