"""Schemathesis against every service's OpenAPI on a running instance, with the token of each role.

Bounded here (``SMILE_FUZZ_EXAMPLES``, default 3 per operation and mode); ``make fuzz`` runs it long.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smile_suite.registry import SERVICES

from .fuzzing import fuzz, running

EXAMPLES = int(os.environ.get("SMILE_FUZZ_EXAMPLES", "3"))


@pytest.mark.fuzz
@pytest.mark.parametrize("service", [d.name for _, d in SERVICES])
def test_no_operation_answers_outside_its_contract(service: str, tmp_path: Path) -> None:
    with running(service, tmp_path) as instance:
        failures = fuzz(instance, max_examples=EXAMPLES)
        errors = instance.server_errors_in_log()
    assert failures == [], "\n".join(failures)
    assert errors == [], "the service logged errors while being fuzzed:\n" + "\n".join(errors[:20])
