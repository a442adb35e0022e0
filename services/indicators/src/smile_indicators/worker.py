"""The consumers of the indicators service."""

from __future__ import annotations

from collections.abc import Sequence

from smile_common.events import Consumer
from smile_common.service import Runtime
from smile_indicators.catalogue import handlers as catalogue


def consumers(runtime: Runtime) -> Sequence[Consumer]:
    projector = Consumer("indicators.projector", runtime.database, runtime.definition.tables, accept_all=True)
    catalogue.register(projector)
    return [projector]
