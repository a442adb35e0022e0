"""The reducers give the same rows whatever the order of the events (property checked on the scenario)."""

from __future__ import annotations

import random

import pytest

from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.projection.apply import parse_events
from smile_indicators.projection.registry import Key, Row

from ..integration import scenario


def fold(envelopes: list) -> dict[str, dict[Key, Row]]:  # type: ignore[type-arg]
    state: dict[str, dict[Key, Row]] = {}
    for event in parse_events(PROJECTOR, envelopes):
        assert event.handling is not None
        for projection in event.handling.projections:
            rows = state.setdefault(projection.table.name, {})
            key = projection.key(event.envelope, event.payload)
            rows[key] = projection.reduce(rows.get(key), event.envelope, event.payload)
    return state


@pytest.mark.parametrize("seed", range(25))
def test_any_order_of_the_scenario_gives_the_same_rows(seed: int) -> None:
    events = scenario.scenario()
    expected = fold(events)
    shuffled = events[:]
    random.Random(seed).shuffle(shuffled)
    assert fold(shuffled) == expected


def test_the_scenario_touches_every_read_model() -> None:
    assert set(fold(scenario.scenario())) == {table.name for table in PROJECTOR.tables} - {"course_fact"}
