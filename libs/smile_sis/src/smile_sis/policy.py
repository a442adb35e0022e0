"""The university's own codes for enrolling an incoming exchange student.

Régime, programme d'échange and country codes are local nomenclature values in Pégase and Apogée (no
standard code exists for exchange students), so each university states them once in its SIS
configuration; :class:`EnrolmentPolicy` turns SMILE's facts into the SIS's codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from smile_sis.errors import SisRejected
from smile_sis.models import Period

__all__ = ["EnrolmentPolicy", "SisConfigBase", "choose_period"]


class EnrolmentPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regime_code: str = Field(default="EXCH", description="Régime d'inscription of incoming exchange students")
    exchange_programme_codes: dict[str, str] = Field(
        default_factory=dict, description="SMILE programme name (erasmus+, bilateral, …) -> programme d'échange code"
    )
    default_exchange_programme_code: str = "ERASMUS"
    country_codes: dict[str, str] = Field(
        default_factory=dict, description="ISO 3166 alpha-2 -> the SIS's country code (Pégase: INSEE, 100 = France)"
    )
    #: when False, an unmapped country is sent as its ISO code (in-memory and files SIS)
    country_codes_required: bool = False
    programme_paths: dict[str, str] = Field(
        default_factory=dict, description="receiving organisational unit code -> programme (code chemin) to enrol in"
    )
    default_programme_path: str | None = None
    period_codes: dict[str, str] = Field(
        default_factory=dict, description="academic year (2026/2027) -> SIS period code, when dates are not enough"
    )

    def exchange_programme_code(self, programme: str | None) -> str:
        key = (programme or "").strip().lower()
        return self.exchange_programme_codes.get(key, self.default_exchange_programme_code)

    def country_code(self, iso_code: str | None) -> str:
        iso = (iso_code or "").strip().upper()
        mapped = {k.upper(): v for k, v in self.country_codes.items()}.get(iso)
        if mapped:
            return mapped
        if self.country_codes_required or not iso:
            raise SisRejected(f"no SIS country code for '{iso or '?'}': add it to enrolment.country_codes")
        return iso

    def programme_path(self, organisational_unit_code: str | None) -> str:
        path = self.programme_paths.get(organisational_unit_code or "", self.default_programme_path)
        if not path:
            raise SisRejected(
                f"no programme to enrol students of unit '{organisational_unit_code or '?'}' in: "
                "set enrolment.programme_paths or enrolment.default_programme_path"
            )
        return path

    def period_code(self, periods: Sequence[Period], start: date | None, academic_year: str | None) -> str:
        if academic_year and academic_year in self.period_codes:
            return self.period_codes[academic_year]
        found = choose_period(periods, start, academic_year)
        if found is None:
            raise SisRejected(f"no SIS period covers the mobility (start {start}, academic year {academic_year})")
        return found.code


def choose_period(periods: Sequence[Period], start: date | None, academic_year: str | None) -> Period | None:
    """The period whose dates hold ``start``, else the one of the academic year's start year."""
    if start is not None:
        for period in periods:
            if period.start_date and period.end_date and period.start_date <= start <= period.end_date:
                return period
    year = int(academic_year[:4]) if academic_year and academic_year[:4].isdigit() else None
    if year is None and start is not None:
        year = start.year if start.month >= 7 else start.year - 1
    return next((p for p in periods if p.academic_year == year), None)


class SisConfigBase(BaseModel):
    """What every adapter configuration carries besides its connection details."""

    model_config = ConfigDict(extra="forbid")

    enrolment: EnrolmentPolicy = Field(default_factory=EnrolmentPolicy)
