"""What an audit entry says about a change: only what changed, sensitive values masked."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from smile_common.audit import MASK, Actor, ActorType, changes_between, jsonable
from smile_common.security import Principal, Role


def test_only_changed_fields_appear_and_masked_ones_hide_their_values() -> None:
    before = {"name": "Ana", "ects": Decimal("5.0"), "notes": "asthma", "updated_at": 1, "same": "x"}
    after = {"name": "Ana Ruiz", "ects": Decimal("6.0"), "notes": "asthma, diabetes", "updated_at": 2, "same": "x"}
    diff = changes_between(before, after, masked={"notes"}, ignored={"updated_at"})
    assert diff == {
        "name": {"before": "Ana", "after": "Ana Ruiz"},
        "ects": {"before": "5.0", "after": "6.0"},
        "notes": {"before": MASK, "after": MASK},
    }


def test_a_masked_field_that_is_cleared_says_so_without_its_value() -> None:
    assert changes_between({"notes": "asthma"}, {"notes": None}, masked={"notes"}) == {
        "notes": {"before": MASK, "after": None}
    }


def test_values_become_json() -> None:
    ident = uuid.uuid4()
    assert jsonable(ident) == str(ident)
    assert jsonable(date(2026, 1, 2)) == "2026-01-02"
    assert jsonable(datetime(2026, 1, 2, 3, 4, tzinfo=UTC)) == "2026-01-02T03:04:00+00:00"
    assert jsonable(b"x" * 100) == "<100 bytes>"
    assert jsonable("y" * 600).endswith("(600 characters)")
    assert jsonable({"a": [Decimal("1.5")]}) == {"a": ["1.5"]}


def test_actors_from_principals() -> None:
    user = Principal("u1", "unicaen.fr", frozenset({Role.COORDINATOR, Role.REFERENT}))
    machine = Principal("service:agreements", "unicaen.fr", frozenset({Role.SERVICE}))
    assert Actor.of(user) == Actor(ActorType.USER, "u1", ("coordinator", "referent"))
    assert Actor.of(machine).type is ActorType.SERVICE
    assert Actor.partner("UNI.ES").label == "partner:uni.es"
