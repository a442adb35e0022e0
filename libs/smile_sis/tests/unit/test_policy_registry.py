"""Per-university SIS configuration and the enrolment policy (local codes)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from smile_sis import (
    EnrolmentPolicy,
    FilesSIS,
    InMemorySIS,
    PegaseSIS,
    Period,
    SisConfigurationError,
    SisRegistry,
    SisRejected,
)

PERIODS = [
    Period(code="PER-2026", academic_year=2026, start_date=date(2026, 9, 1), end_date=date(2027, 8, 31)),
    Period(code="PER-2025", academic_year=2025, start_date=date(2025, 9, 1), end_date=date(2026, 8, 31)),
    Period(code="PER-X", academic_year=2024),
]


def test_the_period_is_the_one_holding_the_start_date_else_the_academic_years() -> None:
    policy = EnrolmentPolicy(period_codes={"2030/2031": "P-30"})
    assert policy.period_code(PERIODS, date(2026, 9, 15), "2026/2027") == "PER-2026"
    assert policy.period_code(PERIODS, date(2026, 8, 20), None) == "PER-2025"
    assert policy.period_code(PERIODS, None, "2024/2025") == "PER-X"
    assert policy.period_code(PERIODS, None, "2030/2031") == "P-30"
    with pytest.raises(SisRejected):
        policy.period_code(PERIODS, date(2040, 1, 1), "2039/2040")


def test_unmapped_countries_are_refused_when_the_sis_needs_its_own_codes() -> None:
    strict = EnrolmentPolicy(country_codes={"DE": "109"}, country_codes_required=True)
    assert strict.country_code("de") == "109"
    with pytest.raises(SisRejected, match="IT"):
        strict.country_code("IT")
    assert EnrolmentPolicy().country_code("it") == "IT"


def test_without_a_programme_to_enrol_in_the_reason_says_what_to_configure() -> None:
    with pytest.raises(SisRejected, match="default_programme_path"):
        EnrolmentPolicy().programme_path("DROIT")


def test_each_university_gets_its_own_adapter_from_one_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "pegase-password"
    secret.write_text("TEST-ONLY-pw\n")
    monkeypatch.setenv("TEST_ONLY_PEGASE_PW", "TEST-ONLY-env")
    document = {
        "default": {"kind": "memory"},
        "tenants": {
            "unicaen.fr": {
                "kind": "pegase",
                "instance": "pilote-unicaen",
                "structure_code": "ETAB00",
                "password_file": str(secret),
            },
            "univ-x.fr": {
                "kind": "pegase",
                "urls": {"authn": "https://cas.univ-x.fr"},
                "structure_code": "UX",
                "password_env": "TEST_ONLY_PEGASE_PW",
            },
            "univ-y.fr": {"kind": "files", "directory": str(tmp_path / "y")},
        },
    }
    path = tmp_path / "sis.json"
    path.write_text(json.dumps(document))
    registry = SisRegistry.from_setting(str(path))
    caen = registry.for_tenant("UNICAEN.fr")
    assert isinstance(caen, PegaseSIS)
    assert registry.for_tenant("unicaen.fr") is caen
    assert caen.config.password.get_secret_value() == "TEST-ONLY-pw"
    assert caen.config.base_url("idt") == "https://idt.pilote-unicaen.pc-scol.fr"
    assert registry.config_for("univ-x.fr").password.get_secret_value() == "TEST-ONLY-env"  # type: ignore[union-attr]
    assert isinstance(registry.for_tenant("univ-y.fr"), FilesSIS)
    assert isinstance(registry.for_tenant("elsewhere.eu"), InMemorySIS)


def test_dev_defaults_to_the_demo_sis_and_production_to_nothing() -> None:
    dev = SisRegistry.from_setting(None)
    sis = dev.for_tenant("unicaen.fr")
    assert isinstance(sis, InMemorySIS)
    assert "PER-2026" in sis.periods
    assert dev.policy_for("unicaen.fr").programme_path("DROIT") == "ECH-DROIT"
    with pytest.raises(SisConfigurationError):
        SisRegistry.from_setting("", dev=False).for_tenant("unicaen.fr")


@pytest.mark.parametrize(
    "value",
    [
        "{not json",
        '{"default": {"kind": "sap"}}',
        '{"default": {"kind": "pegase", "structure_code": "E", "password_env": "TEST_ONLY_MISSING_VARIABLE"}}',
        "/nonexistent/sis.json",
    ],
)
def test_a_broken_configuration_is_reported_at_start(value: str) -> None:
    with pytest.raises(SisConfigurationError):
        SisRegistry.from_setting(value)
