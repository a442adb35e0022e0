"""Grade distribution tables and grade conversion by the Egracons method, as pure functions.

A table lists the passing grades of a reference group best first, with how many students got each and
its percentage of all passing grades. Each grade owns a *band* of the cumulative percentage counted
from the best grade: grade *i* owns ``(C[i-1], C[i]]`` where ``C[i]`` is the cumulative percentage up
to and including grade *i* (``C[0] = 0``). A grade nobody got owns an empty band.

Conversion of a grade from table S into table T (rule ``egracons-midpoint``):

1. find the grade's band ``(lo, hi]`` in S;
2. the converted grade is the grade of T whose band holds the midpoint ``(lo + hi) / 2``; bands are
   closed on their worse side, so a midpoint exactly on a boundary gives the better grade; an empty
   band never holds a midpoint; a midpoint of 0 (an empty best grade) gives T's best non-empty grade;
3. the *range* is every non-empty grade of T whose band overlaps ``(lo, hi)`` over a positive length
   (for an empty band in S: the converted grade alone), best first.

Arithmetic is exact (fractions), so ties are ties, whatever the rounding shown to people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

__all__ = [
    "RULE",
    "Band",
    "Conversion",
    "ConversionError",
    "bands_from_counts",
    "bands_from_percentages",
    "convert",
    "count_bands",
]

RULE = "egracons-midpoint"
HUNDRED = Fraction(100)


class ConversionError(ValueError):
    """The grade cannot be placed (not a passing grade of the table, or the table is empty)."""


@dataclass(frozen=True)
class Band:
    label: str
    count: int | None
    share: Fraction
    #: cumulative percentage before this grade (its better edge) and including it (its worse edge)
    start: Fraction
    end: Fraction

    @property
    def empty(self) -> bool:
        return self.end == self.start

    def percentage(self, places: int = 2) -> Decimal:
        return _decimal(self.share * HUNDRED, places)

    def cumulative(self, places: int = 2) -> Decimal:
        return _decimal(self.end, places)


def _decimal(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _cumulate(labels: Sequence[str], shares: Sequence[Fraction], counts: Sequence[int | None]) -> list[Band]:
    bands, running = [], Fraction(0)
    for label, share, count in zip(labels, shares, counts, strict=True):
        start = running
        running += share * HUNDRED
        bands.append(Band(label=label, count=count, share=share, start=start, end=running))
    return bands


def bands_from_counts(counts: Sequence[tuple[str, int]]) -> list[Band]:
    """The bands of a table given as (label, count) best first."""
    if any(c < 0 for _, c in counts):
        raise ConversionError("a count cannot be negative")
    total = sum(c for _, c in counts)
    if total == 0:
        raise ConversionError("the table holds no passing grade")
    return _cumulate([lbl for lbl, _ in counts], [Fraction(c, total) for _, c in counts], [c for _, c in counts])


def bands_from_percentages(percentages: Sequence[tuple[str, Decimal]]) -> list[Band]:
    """The bands of a table given as (label, percentage) best first (published tables often have no counts);
    the percentages are rescaled to add up to exactly 100."""
    values = [Fraction(p) for _, p in percentages]
    if any(v < 0 for v in values):
        raise ConversionError("a percentage cannot be negative")
    total = sum(values, Fraction(0))
    if total == 0:
        raise ConversionError("the table holds no passing grade")
    return _cumulate([lbl for lbl, _ in percentages], [v / total for v in values], [None] * len(values))


@dataclass(frozen=True)
class Conversion:
    grade: str
    range_best: str
    range_worst: str
    range: list[str]
    source_band: tuple[Fraction, Fraction]
    midpoint: Fraction
    warnings: list[str] = field(default_factory=list)
    rule: str = RULE


def _find(bands: Sequence[Band], label: str) -> Band:
    for band in bands:
        if band.label.casefold() == label.casefold():
            return band
    raise ConversionError(f"'{label}' is not a passing grade of the source table ({', '.join(b.label for b in bands)})")


def convert(label: str, source: Sequence[Band], target: Sequence[Band]) -> Conversion:
    """Convert the grade ``label`` of ``source`` into the grades of ``target``."""
    band = _find(source, label)
    candidates = [b for b in target if not b.empty]
    if not candidates:
        raise ConversionError("the target table holds no passing grade")
    mid = (band.start + band.end) / 2
    warnings = ["empty-source-band"] if band.empty else []
    holder = next((b for b in candidates if b.start < mid <= b.end), candidates[0])
    overlap = [holder] if band.empty else [b for b in candidates if b.start < band.end and band.start < b.end]
    return Conversion(
        grade=holder.label,
        range_best=overlap[0].label,
        range_worst=overlap[-1].label,
        range=[b.label for b in overlap],
        source_band=(band.start, band.end),
        midpoint=mid,
        warnings=warnings,
    )


def count_bands(passing_bands: Sequence[str], grades: Mapping[str, int]) -> list[tuple[str, int]]:
    """(label, count) for every passing band best first, zero where nobody got it."""
    return [(label, grades.get(label, 0)) for label in passing_bands]
