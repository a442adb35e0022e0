"""The one projector of the service: every event type the indicators understand."""

from __future__ import annotations

from smile_indicators.facts import catalogue
from smile_indicators.projection.registry import Projector

__all__ = ["PROJECTOR", "build_projector"]


def build_projector() -> Projector:
    projector = Projector()
    catalogue.register(projector)
    return projector


PROJECTOR = build_projector()
