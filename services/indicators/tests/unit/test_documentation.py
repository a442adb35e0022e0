"""docs/indicators.md documents every indicator, measure, export column and roster column the code has."""

from __future__ import annotations

from pathlib import Path

import pytest

from smile_indicators.exports.datasets import DATASETS
from smile_indicators.figures.registry import INDICATORS
from smile_indicators.roster.service import COLUMNS

DOC = next(p for p in Path(__file__).resolve().parents if (p / "docs").is_dir()) / "docs" / "indicators.md"


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.slug)
def test_every_indicator_and_measure_is_documented(text: str, indicator) -> None:  # type: ignore[no-untyped-def]
    section = text.split(f"— `{indicator.slug}`", 1)
    assert len(section) == 2, f"no section for {indicator.slug}"
    body = section[1].split("\n### ", 1)[0]
    for measure in indicator.measures:
        assert f"| `{measure.name}` |" in body, f"{indicator.slug}: {measure.name} undocumented"


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.name)
def test_every_dataset_column_is_documented(text: str, dataset) -> None:  # type: ignore[no-untyped-def]
    body = text.split(f"#### `{dataset.name}`", 1)[1].split("\n#### ", 1)[0].split("\n## ", 1)[0]
    documented = [line.split("`")[1] for line in body.splitlines() if line.startswith("| `")]
    assert documented == list(dataset.columns)


def test_the_roster_columns_are_documented_in_order(text: str) -> None:
    assert ", ".join(f"`{c}`" for c in COLUMNS) in " ".join(text.split())
