"""Grade conversion on hand-built tables, answers worked out on paper.

French reference group (100 passing grades; 20 to 17 nobody, 15 nobody)::

    grade  count  band (cumulative % from the best)
    16     10     (0, 10]
    15      0     (10, 10]   empty
    14     20     (10, 30]
    13     30     (30, 60]
    12     25     (60, 85]
    11     10     (85, 95]
    10      5     (95, 100]

German reference group (100 passing grades; 3.0 nobody)::

    1.0 5 (0,5]   1.3 10 (5,15]   1.7 15 (15,30]   2.0 20 (30,50]   2.3 10 (50,60]
    2.7 10 (60,70]   3.0 0 (70,70] empty   3.3 15 (70,85]   3.7 10 (85,95]   4.0 5 (95,100]
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from smile_records.grading.egracons import ConversionError, bands_from_counts, bands_from_percentages, convert

FR = bands_from_counts(
    [
        ("20", 0),
        ("19", 0),
        ("18", 0),
        ("17", 0),
        ("16", 10),
        ("15", 0),
        ("14", 20),
        ("13", 30),
        ("12", 25),
        ("11", 10),
        ("10", 5),
    ]
)
DE = bands_from_counts(
    [
        ("1.0", 5),
        ("1.3", 10),
        ("1.7", 15),
        ("2.0", 20),
        ("2.3", 10),
        ("2.7", 10),
        ("3.0", 0),
        ("3.3", 15),
        ("3.7", 10),
        ("4.0", 5),
    ]
)


def test_bands_are_cumulative_from_the_best_grade() -> None:
    by_label = {b.label: b for b in FR}
    assert (by_label["16"].start, by_label["16"].end) == (0, 10)
    assert by_label["15"].empty
    assert by_label["15"].start == 10
    assert (by_label["12"].start, by_label["12"].end) == (60, 85)
    assert by_label["10"].end == 100
    assert by_label["13"].percentage() == Decimal("30.00")
    assert by_label["13"].cumulative() == Decimal("60.00")


@pytest.mark.parametrize(
    ("grade", "expected", "grade_range"),
    [
        ("16", "1.0", ["1.0", "1.3"]),  # band (0,10], midpoint 5 is the 1.0|1.3 boundary: the better grade
        ("14", "1.7", ["1.3", "1.7"]),  # (10,30], midpoint 20
        ("13", "2.0", ["2.0", "2.3"]),  # (30,60], midpoint 45
        ("12", "3.3", ["2.7", "3.3"]),  # (60,85], midpoint 72.5; 3.0 is empty, never chosen nor listed
        ("11", "3.7", ["3.7"]),  # (85,95]
        ("10", "4.0", ["4.0"]),  # (95,100]
    ],
)
def test_french_grades_into_german(grade: str, expected: str, grade_range: list[str]) -> None:
    result = convert(grade, FR, DE)
    assert result.grade == expected
    assert result.range == grade_range
    assert (result.range_best, result.range_worst) == (grade_range[0], grade_range[-1])
    assert result.warnings == []


@pytest.mark.parametrize(
    ("grade", "expected", "grade_range"),
    [
        ("1.0", "16", ["16"]),  # (0,5], midpoint 2.5
        ("1.3", "16", ["16", "14"]),  # (5,15], midpoint 10 = the 16|14 boundary (15 empty): the better grade
        ("1.7", "14", ["14"]),  # (15,30], midpoint 22.5
        ("2.0", "13", ["13"]),  # (30,50], midpoint 40
        ("2.3", "13", ["13"]),  # (50,60], midpoint 55
        ("2.7", "12", ["12"]),  # (60,70], midpoint 65
        ("3.3", "12", ["12"]),  # (70,85], midpoint 77.5
        ("3.7", "11", ["11"]),  # (85,95], midpoint 90
        ("4.0", "10", ["10"]),  # (95,100], midpoint 97.5
    ],
)
def test_german_grades_into_french(grade: str, expected: str, grade_range: list[str]) -> None:
    result = convert(grade, DE, FR)
    assert (result.grade, result.range) == (expected, grade_range)


def test_a_grade_nobody_got_is_placed_by_its_position_and_flagged() -> None:
    empty_middle = convert("3.0", DE, FR)  # empty band at 70
    assert (empty_middle.grade, empty_middle.range, empty_middle.warnings) == ("12", ["12"], ["empty-source-band"])
    assert empty_middle.midpoint == 70
    empty_top = convert("18", FR, DE)  # empty band at 0: the best non-empty grade
    assert (empty_top.grade, empty_top.warnings) == ("1.0", ["empty-source-band"])


def test_midpoint_and_band_are_exact_fractions() -> None:
    thirds = bands_from_counts([("A", 1), ("B", 1), ("C", 1)])
    result = convert("B", thirds, bands_from_counts([("X", 1), ("Y", 1)]))
    assert result.source_band == (Fraction(100, 3), Fraction(200, 3))
    assert result.midpoint == 50
    assert result.grade == "X"  # 50 is the X|Y boundary: the better grade
    assert result.range == ["X", "Y"]


def test_published_percentages_work_like_counts_and_are_rescaled() -> None:
    by_percent = bands_from_percentages([("A", Decimal("10.5")), ("B", Decimal("40.0")), ("C", Decimal("49.4"))])
    assert by_percent[-1].end == 100  # 99.9 published, rescaled to 100
    assert convert("A", by_percent, DE).grade == "1.3"  # band (0, 10.51], midpoint 5.26 → (5,15]


def test_failing_or_unknown_grades_and_empty_tables_are_refused() -> None:
    with pytest.raises(ConversionError):
        convert("9", FR, DE)
    with pytest.raises(ConversionError):
        bands_from_counts([("A", 0), ("B", 0)])
    with pytest.raises(ConversionError):
        bands_from_counts([("A", -1), ("B", 3)])
