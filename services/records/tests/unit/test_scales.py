from decimal import Decimal

import pytest

from smile_records.grading.scales import GradeError, scale_of


@pytest.mark.parametrize(
    ("grade", "text", "passed", "band"),
    [
        ("14.5", "14.5", True, "14"),
        ("10", "10", True, "10"),
        ("9,999", "9.999", False, "9"),
        ("20", "20", True, "20"),
        ("0", "0", False, "0"),
        ("12.50", "12.5", True, "12"),
    ],
)
def test_french_grades(grade: str, text: str, passed: bool, band: str) -> None:
    parsed = scale_of("fr-0-20").parse(grade)
    assert (parsed.text, parsed.passed, parsed.band) == (text, passed, band)


@pytest.mark.parametrize("grade", ["20.5", "-1", "abc", "12.0001", "NaN", "Infinity"])
def test_grades_outside_the_french_scale_are_refused(grade: str) -> None:
    with pytest.raises(GradeError):
        scale_of("fr-0-20").parse(grade)


def test_french_table_bands_are_whole_points_from_20_to_10() -> None:
    assert scale_of("fr-0-20").passing_bands() == [str(v) for v in range(20, 9, -1)]


def test_ordinal_and_pass_fail_scales() -> None:
    ects = scale_of("ects")
    assert ects.parse("b").text == "B"
    assert ects.parse("FX").passed is False
    with pytest.raises(GradeError):
        ects.parse("G")
    assert scale_of("de-1-5").passing_bands()[0] == "1.0"
    pf = scale_of("pass-fail")
    assert pf.parse("P").passed
    assert not pf.convertible
    assert scale_of("es-0-10").parse("7.25").value == Decimal("7.25")
    with pytest.raises(GradeError):
        scale_of("us-gpa")
