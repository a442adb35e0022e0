"""Grading scales: how a grade is written, whether it passes, and which band of a grade distribution
table it falls in.

* ``fr-0-20``: the French scale, 0 to 20, passed from 10; bands are whole points (13.5 is in band "13"),
  the way French grade distribution tables are published.
* ``ects``: A to E pass, FX and F fail.
* ``pass-fail``: P or F; such grades are never converted.
* ``de-1-5``, ``it-18-30``, ``es-0-10``, ``pl-2-5``: common partner scales, for tables and conversions.

A scale is "numeric" (a number in a range, banded by whole units) or "ordinal" (labels, best first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

__all__ = ["SCALES", "GradeError", "GradingScale", "ParsedGrade", "scale_of"]


class GradeError(ValueError):
    """A grade that its scale cannot hold."""


@dataclass(frozen=True)
class ParsedGrade:
    #: as it will be written (``14.5``, ``B``)
    text: str
    value: Decimal | None
    passed: bool
    #: the band of a grade distribution table it falls in (``14`` for 14.5)
    band: str


@dataclass(frozen=True)
class GradingScale:
    id: str
    name: dict[str, str]
    kind: Literal["numeric", "ordinal", "pass-fail"]
    minimum: Decimal = Decimal(0)
    maximum: Decimal = Decimal(0)
    pass_mark: Decimal = Decimal(0)
    decimals: int = 3
    #: ordinal scales: every label best first, and the passing ones
    labels: tuple[str, ...] = ()
    passing: frozenset[str] = field(default_factory=frozenset)

    @property
    def convertible(self) -> bool:
        return self.kind != "pass-fail"

    def passing_bands(self) -> list[str]:
        """The bands of passing grades, best first (what a grade distribution table lists)."""
        if self.kind == "numeric":
            top, low = int(self.maximum), int(self.pass_mark)
            return [str(v) for v in range(top, low - 1, -1)]
        return [label for label in self.labels if label in self.passing]

    def all_bands(self) -> list[str]:
        """Every band, best first, failing ones included (for a course's result distribution)."""
        if self.kind == "numeric":
            return [str(v) for v in range(int(self.maximum), int(self.minimum) - 1, -1)]
        return list(self.labels)

    def parse(self, grade: str) -> ParsedGrade:
        text = grade.strip()
        if self.kind == "numeric":
            return self._numeric(text)
        label = self._label(text)
        return ParsedGrade(text=label, value=None, passed=label in self.passing, band=label)

    def _numeric(self, text: str) -> ParsedGrade:
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation as exc:
            raise GradeError(f"'{text}' is not a number on the {self.id} scale") from exc
        if not value.is_finite() or value < self.minimum or value > self.maximum:
            raise GradeError(f"{text} is outside the {self.id} scale ({self.minimum} to {self.maximum})")
        if -value.as_tuple().exponent > self.decimals:  # type: ignore[operator]
            raise GradeError(f"{text} has more than {self.decimals} decimals")
        normal = value.normalize()
        written = format(normal, "f") if normal == normal.to_integral() else str(normal)
        band = str(int(value.to_integral_value(rounding="ROUND_FLOOR")))
        return ParsedGrade(text=written, value=value, passed=value >= self.pass_mark, band=band)

    def _label(self, text: str) -> str:
        for label in self.labels:
            if label.casefold() == text.casefold():
                return label
        raise GradeError(f"'{text}' is not a grade of the {self.id} scale ({', '.join(self.labels)})")


def _ordinal(sid: str, name: str, labels: list[str], passing: list[str]) -> GradingScale:
    return GradingScale(
        id=sid, name={"en": name, "fr": name}, kind="ordinal", labels=tuple(labels), passing=frozenset(passing)
    )


_DE = ["1.0", "1.3", "1.7", "2.0", "2.3", "2.7", "3.0", "3.3", "3.7", "4.0"]
_IT = ["30L", *[str(v) for v in range(30, 17, -1)]]

SCALES: dict[str, GradingScale] = {
    s.id: s
    for s in [
        GradingScale(
            id="fr-0-20",
            name={"fr": "Notes sur 20 (admis à partir de 10)", "en": "Grades out of 20 (pass mark 10)"},
            kind="numeric",
            minimum=Decimal(0),
            maximum=Decimal(20),
            pass_mark=Decimal(10),
        ),
        _ordinal(
            "ects", "ECTS grades A-E (FX, F fail)", ["A", "B", "C", "D", "E", "FX", "F"], ["A", "B", "C", "D", "E"]
        ),
        GradingScale(
            id="pass-fail",
            name={"fr": "Validé / non validé", "en": "Pass / fail"},
            kind="pass-fail",
            labels=("P", "F"),
            passing=frozenset({"P"}),
        ),
        _ordinal("de-1-5", "German grades 1.0-4.0 (5.0 fails)", [*_DE, "5.0"], _DE),
        _ordinal("it-18-30", "Italian grades 18-30 e lode", [*_IT, "<18"], _IT),
        GradingScale(
            id="es-0-10",
            name={"en": "Spanish grades 0-10 (pass mark 5)", "fr": "Notes espagnoles 0-10"},
            kind="numeric",
            maximum=Decimal(10),
            pass_mark=Decimal(5),
            decimals=2,
        ),
        _ordinal("pl-2-5", "Polish grades 2-5", ["5", "4.5", "4", "3.5", "3", "2"], ["5", "4.5", "4", "3.5", "3"]),
    ]
}


def scale_of(scale_id: str) -> GradingScale:
    scale = SCALES.get(scale_id)
    if scale is None:
        raise GradeError(f"unknown grading scale '{scale_id}' (known: {', '.join(SCALES)})")
    return scale
