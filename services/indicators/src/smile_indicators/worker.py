"""The consumers of the indicators service."""

from __future__ import annotations

from collections.abc import Sequence

from smile_common.events import Consumer
from smile_common.service import Runtime
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.projection.consumer import ProjectorConsumer
from smile_indicators.settings import IndicatorsSettings

PROJECTOR_NAME = "indicators.projector"


def consumers(runtime: Runtime) -> Sequence[Consumer]:
    settings = runtime.settings
    assert isinstance(settings, IndicatorsSettings)
    projector = ProjectorConsumer(
        PROJECTOR_NAME,
        runtime.database,
        runtime.definition.tables,
        PROJECTOR,
        max_batch=settings.indicators_batch_size,
        linger_seconds=settings.indicators_batch_linger_ms / 1000,
        concurrency=settings.indicators_projector_concurrency,
    )
    return [projector]
