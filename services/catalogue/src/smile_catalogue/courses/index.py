"""What search needs from a course: sort keys, full-text words, facet values, content digest.

Computed in Python from the course's editable fields, so that every write path (the API, imports, demo
data) indexes a course the same way, on both backends.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson

from smile_catalogue import text
from smile_catalogue.vocab import CEFR_LEVELS

__all__ = [
    "EDITABLE_FIELDS",
    "content_hash",
    "derived_columns",
    "facet_entry",
    "facet_list",
    "facet_values",
    "format_ects",
    "fts_rowid",
    "split_facet",
]

#: the fields an editor or an import sets; their digest tells whether a re-import changes anything.
EDITABLE_FIELDS = (
    "code",
    "title",
    "description",
    "learning_outcomes",
    "prerequisites",
    "ects",
    "organisational_unit_code",
    "isced_code",
    "eqf_level",
    "languages",
    "term_codes",
    "programme_codes",
    "hours",
    "teaching_methods",
    "assessment",
    "schedule",
    "capacity",
    "contacts",
    "syllabus_url",
    "open_to_exchange",
)


_EDITABLE_SET = frozenset(EDITABLE_FIELDS)


def fts_rowid(course_id: uuid.UUID) -> int:
    """A positive 63-bit row id for SQLite's FTS5 index, fixed for the life of the course."""
    return course_id.int >> 65


def format_ects(ects: Decimal | float | int) -> str:
    """``6`` for 6.00, ``2.5`` for 2.50: how credits are shown and faceted."""
    shown = _ECTS_SHOWN.get(ects) if type(ects) is Decimal else None
    if shown is None:
        shown = f"{Decimal(str(ects)).normalize():f}"
        if type(ects) is Decimal and ects > 0 and len(_ECTS_SHOWN) < 10_000:
            _ECTS_SHOWN[ects] = shown  # equal credits are shown alike (5, 5.0, 5.00: "5")
    return shown


#: credits as shown, by value: a catalogue has a few dozen values, formatted for each course of an import
_ECTS_SHOWN: dict[Decimal, str] = {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_ects(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _hash_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_ects(value)
    return str(value)


_HASH_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def content_hash(values: Mapping[str, Any]) -> str:
    """A digest of the editable fields: equal digests mean nothing an editor can see has changed.

    The digest is that of the fields' canonical JSON (sorted keys, no spaces, characters as they are),
    made by orjson, which writes the same bytes as the standard library for every value a course holds
    (tested) several times faster; values orjson refuses are encoded by the standard library."""
    # (a course's values are usually exactly its editable fields: encoded as they are)
    subset = (
        values
        if type(values) is dict and values.keys() == _EDITABLE_SET
        else {name: values.get(name) for name in EDITABLE_FIELDS}
    )
    try:
        encoded = orjson.dumps(subset, default=_hash_default, option=_HASH_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: integers beyond 64 bits, lone surrogates…
        encoded = canonical_json(subset).encode()
    return hashlib.sha256(encoded).hexdigest()


def canonical_json(subset: Mapping[str, Any]) -> str:
    """The standard library's canonical JSON of a course's fields (what the digest was first defined on)."""
    plain = {name: _jsonable(value) for name, value in subset.items()}
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _pick(titles: Mapping[str, str], lang: str) -> str:
    return titles.get(lang) or titles.get("en") or titles.get("fr") or next(iter(titles.values()), "")


def derived_columns(values: Mapping[str, Any], *, digest: str | None = None) -> dict[str, Any]:
    """The search columns of a course from its editable fields (``digest``: its content hash, if known)."""
    titles: Mapping[str, str] = values.get("title") or {}
    body: list[str] = []
    for field in ("description", "learning_outcomes"):
        body.extend((values.get(field) or {}).values())
    return {
        "title_sort_en": text.sort_key(_pick(titles, "en")),
        "title_sort_fr": text.sort_key(_pick(titles, "fr")),
        "search_head": " ".join([*text.code_tokens(values["code"]), text.document(titles.values())]).strip(),
        "search_body": text.document(body),
        "content_hash": digest or content_hash(values),
    }


def facet_values(values: Mapping[str, Any], unit_ancestry: Mapping[str, Sequence[str]]) -> set[tuple[str, str]]:
    """Every (dimension, value) a course can be filtered and counted by (see :func:`facet_list`)."""
    return {split_facet(entry) for entry in facet_list(values, unit_ancestry)}


#: between a facet's dimension and its value in a course's ``facets``: "term:2026-S1", "level:fr:B2"
FACET_SEPARATOR = ":"


def facet_entry(dim: str, value: str) -> str:
    return f"{dim}{FACET_SEPARATOR}{value}"


def split_facet(entry: str) -> tuple[str, str]:
    dim, _, value = entry.partition(FACET_SEPARATOR)
    return dim, value


def facet_list(values: Mapping[str, Any], unit_ancestry: Mapping[str, Sequence[str]]) -> list[str]:
    """A course's ``facets`` column: every value it can be filtered and counted by, as sorted
    "dimension:value" entries (made as strings at once: an import makes hundreds of thousands).

    ``unit_ancestry`` maps a unit code to itself and its parents' codes, so that a faculty's filter and
    count include its departments' courses.
    """
    found = {"ects:" + format_ects(values["ects"])}
    found.update(["term:" + code for code in values.get("term_codes") or ()])
    found.update(["prog:" + code for code in values.get("programme_codes") or ()])
    isced = values.get("isced_code")
    if isced:
        found.update(("isced:" + isced[:2], "isced:" + isced[:3], "isced:" + isced))
    for entry in values.get("languages") or ():
        language, level = entry["language"], entry.get("cefr_level") or "-"
        found.update(("lang:" + language, f"level:{language}:{level}", "cefr:" + level))
    found.update(["day:" + slot["day"] for slot in values.get("schedule") or ()])
    if values.get("eqf_level") is not None:
        found.add(f"eqf:{values['eqf_level']}")
    unit = values.get("organisational_unit_code")
    if unit:
        found.update(["ounit:" + code for code in unit_ancestry.get(unit, (unit,))])
    return sorted(found)


def levels_up_to(level: str) -> list[str]:
    """The CEFR levels a student at ``level`` can follow, and "no requirement" (``-``)."""
    return ["-", *CEFR_LEVELS[: CEFR_LEVELS.index(level) + 1]]


def unit_ancestry(units: Iterable[tuple[str, str | None]]) -> dict[str, list[str]]:
    """From (code, parent code) pairs, each unit's code followed by its ancestors' (cycles are cut)."""
    parents = dict(units)
    out: dict[str, list[str]] = {}
    for code in parents:
        chain = [code]
        parent = parents.get(code)
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = parents.get(parent)
        out[code] = chain
    return out
