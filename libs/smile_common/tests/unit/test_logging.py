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
