"""The one projector of the service: every event type the indicators understand."""

from __future__ import annotations

from smile_indicators.facts import agreements, catalogue, mobility, records
from smile_indicators.projection.registry import Projector

__all__ = ["PROJECTOR", "build_projector"]


def build_projector() -> Projector:
    projector = Projector()
    catalogue.register(projector)
    catalogue.register_units(projector)
    agreements.register(projector)
    mobility.register(projector)
    records.register(projector)
    return projector


PROJECTOR = build_projector()
