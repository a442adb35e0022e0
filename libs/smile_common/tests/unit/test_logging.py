import json
import logging

import pytest

from smile_common.logging import JsonFormatter, correlation_id, mask_secrets


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln leaked", "eyJzdWIiOiJ4In0"),
        ("connect postgresql://smile:hunter2@db:5432/smile", "hunter2"),
        ("form password=hunter2&user=a", "hunter2"),
        ('{"client_secret": "s3cr3t"}', "s3cr3t"),
    ],
)
def test_secrets_never_reach_the_logs(text: str, secret: str) -> None:
    assert secret not in mask_secrets(text)


def test_json_log_lines_carry_service_and_correlation_id() -> None:
    token = correlation_id.set("cid-123")
    try:
        record = logging.LogRecord("smile.x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
        entry = json.loads(JsonFormatter("catalogue").format(record))
    finally:
        correlation_id.reset(token)
    assert entry["message"] == "hello world"
    assert entry["service"] == "catalogue"
    assert entry["correlation_id"] == "cid-123"
    assert entry["level"] == "info"


@pytest.mark.parametrize(
    ("text", "identifier", "kept"),
    [
        ("student urn:schac:personalUniqueCode:int:esi:es:12345678A arrived", "12345678A", "int:esi:es:***"),
        ("sent to maria.lopez+x@estudiante.uva.es today", "maria.lopez", "***@estudiante.uva.es"),
        ("INE 1234567890A not found in the SIS", "1234567890A", "INE ***ine***"),
        ("call +33 6 12 34 56 78 now", "12 34 56", "call +***"),
    ],
)
def test_personal_identifiers_never_reach_the_logs(text: str, identifier: str, kept: str) -> None:
    masked = mask_secrets(text)
    assert identifier not in masked
    assert kept in masked


def test_uuids_dates_and_codes_are_left_alone() -> None:
    text = "course 3f2c9a1e-0b7d-4c55-9e61-8a2f4b6c1d3e DRT-EU-101 on 2026-09-01 at 10:30, 2026-S1"
    assert mask_secrets(text) == text


def test_extra_fields_of_json_lines_are_masked_too() -> None:
    record = logging.LogRecord("smile.x", logging.INFO, __file__, 1, "student", (), None)
    record.smile_student = "anna@uni.example"
    entry = json.loads(JsonFormatter("records").format(record))
    assert entry["student"] == "***@uni.example"
