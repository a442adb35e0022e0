"""In tests, every event written to an outbox or published on a bus must match its committed contract.

The producer's JSON Schema is committed under ``tests/contract/events/<type>.json`` (``make contracts``).
An event type known to the code but without a committed schema, or a payload that does not validate,
fails the test that produced it: producers cannot drift from their contract, and consumers' test
payloads are the producers' real shapes. Event types unknown to the code (tests of how consumers treat
unknown events) are left alone; a test that must publish an invalid payload on purpose marks itself
``@pytest.mark.unchecked_events``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from smile_common.events.envelope import Envelope, published_event_types

__all__ = ["ContractViolationError", "EventContractValidator", "find_contract_dir"]


class ContractViolationError(AssertionError):
    pass


def find_contract_dir(start: Path) -> Path | None:
    for parent in [start.resolve(), *start.resolve().parents]:
        candidate = parent / "tests" / "contract" / "events"
        if candidate.is_dir():
            return candidate
    return None


class EventContractValidator:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.enabled = True

    @cache  # noqa: B019 - one validator object per test session
    def _contract_types(self) -> frozenset[str]:
        return frozenset(published_event_types())

    @cache  # noqa: B019 - one validator object per test session
    def _validator(self, event_type: str) -> Any:
        path = self.directory / f"{event_type}.json"
        if not path.exists():
            return None
        schema = json.loads(path.read_text(encoding="utf-8"))
        return jsonschema.Draft202012Validator(schema)

    def __call__(self, envelope: Envelope) -> None:
        if not self.enabled or envelope.type not in self._contract_types():
            return
        validator = self._validator(envelope.type)
        if validator is None:
            raise ContractViolationError(
                f"{envelope.type} has no committed schema in tests/contract/events: run `make contracts` and commit"
            )
        errors = sorted(validator.iter_errors(envelope.data), key=lambda e: list(e.path))
        if errors:
            details = "; ".join(f"{'/'.join(map(str, e.path)) or '(payload)'}: {e.message}" for e in errors[:5])
            raise ContractViolationError(
                f"{envelope.type} payload does not match its committed contract ({details}); if the model changed "
                "on purpose, run `make contracts`"
            )
