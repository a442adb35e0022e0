"""Prometheus metrics of the indicators service (served on /metrics with the others)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["BATCH_SIZE", "PROJECTION_LAG", "ROSTER_ACCESSES"]

PROJECTION_LAG = Histogram(
    "smile_indicators_projection_lag_seconds",
    "Time from an event's creation by its producer to its effect on the indicators' read models",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30, 60),
)
BATCH_SIZE = Histogram(
    "smile_indicators_projection_batch_events",
    "Events applied per projector transaction",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
ROSTER_ACCESSES = Counter(
    "smile_indicators_roster_accesses_total", "Accesses to the crisis roster, by outcome", ["outcome"]
)
