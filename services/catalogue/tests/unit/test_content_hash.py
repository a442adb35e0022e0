"""A course's content digest does not depend on which JSON encoder makes it.

Imports compare each row's digest with the one stored when the course was last written: if the digest of
unchanged content changed, re-importing the same file would rewrite every course. The fast encoder must
therefore give the bytes the standard library gives, for every value a course can hold.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smile_catalogue.courses.index import EDITABLE_FIELDS, canonical_json, content_hash

# every character but lone surrogates (which no UTF-8 file or request can carry), control characters included
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT
JSONISH = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=20
)
ECTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2)


def _standard_digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({name: values.get(name) for name in EDITABLE_FIELDS}).encode()).hexdigest()


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({name: JSONISH for name in EDITABLE_FIELDS if name != "ects"}), ECTS)
def test_the_digest_is_the_standard_librarys_for_any_course_content(values: dict[str, Any], ects: Decimal) -> None:
    values["ects"] = ects
    assert content_hash(values) == _standard_digest(values)


def test_digests_stored_before_the_fast_encoder_still_match() -> None:
    # made by the standard-library implementation (before orjson): quotes, backslash, tab, new line, NUL,
    # control and DEL characters, non-breaking spaces, an emoji, U+2028, unsorted keys, 2.50 credits
    course = {
        "code": "DRT-EU-101",
        "title": {
            "fr": "Droit de l'Union européenne — «\u00a0institutions\u00a0»",
            "en": 'EU law "institutions" \\ \t tab',
        },
        "description": {"fr": "Œuvre\nligne 😀 \u2028 \x00\x1f\x7f"},
        "ects": Decimal("2.50"),
        "eqf_level": 6,
        "languages": [{"language": "fr", "cefr_level": "B2"}],
        "hours": {"tutorial": 12, "lecture": 24},
        "open_to_exchange": True,
        "capacity": None,
        "schedule": [{"day": "mon", "start": "08:30", "end": "10:30", "weeks": [36, 37]}],
    }
    assert content_hash(course) == "8fac483c687cebdf580f534dd73309f3a5424cdf724e4bdf700fbf080c044ce5"


def test_values_the_fast_encoder_refuses_are_digested_by_the_standard_library() -> None:
    course = {"code": "BIG-1", "ects": Decimal("6"), "capacity": 2**70, "title": {"fr": "Grand"}}
    assert content_hash(course) == _standard_digest(course)
