"""Examples for the OpenAPI documents: every successful JSON response shows one.

An integrator reading a service's OpenAPI document (or its ``/docs`` page) sees, for each operation, what
a successful answer looks like. Where a model declares examples for its fields (``Field(examples=[...])``)
they are used; elsewhere the example is built from the schema itself: formats (uuid, date, date-time),
enumerations, bounds, patterns, and the field's name (an ``email`` looks like an e-mail address, a
``hei_id`` like a university's SCHAC code). The examples are deterministic, so the committed documents do
not drift, and a contract test checks that each one is valid against the schema it illustrates.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

__all__ = ["add_response_examples", "example_for"]

_MAX_DEPTH = 8
_NAMESPACE = uuid.UUID("5e1f0c2a-6d1b-4f43-9a51-0b1c2d3e4f50")

#: plausible values, tried in order, for strings whose name says what they hold (first match of a key
#: contained in the field's name wins); then the generic ones, until one satisfies the schema.
_BY_NAME: list[tuple[str, list[str]]] = [
    ("_by", ["office-1"]),
    ("isced_code", ["0421"]),
    ("ounit_code", ["DROIT"]),
    ("unit_code", ["DROIT"]),
    ("ounit_id", ["DROIT"]),
    ("term_code", ["2026-S1"]),
    ("programme_code", ["LAW-EU"]),
    ("course_code", ["DRT-EU-101"]),
    ("ects", ["6.0", "6"]),
    ("credits", ["6.0", "6"]),
    ("method", ["lecture"]),
    ("source", ["manual"]),
    ("location", ["Room B-204"]),
    ("reason", ["The student withdrew before the start of the term."]),
    ("programme", ["Erasmus+ KA131"]),
    ("email", ["ingrid.hansen@student.uio.no"]),
    ("esi", ["urn:schac:personalUniqueCode:int:esi:uio.no:20031204"]),
    ("hei", ["unicaen.fr"]),
    ("tenant", ["unicaen.fr"]),
    ("url", ["https://www.unicaen.fr/international/"]),
    ("uri", ["https://www.unicaen.fr/international/"]),
    ("link", ["https://www.unicaen.fr/international/"]),
    ("website", ["https://www.unicaen.fr/"]),
    ("country", ["NO", "no"]),
    ("citizenship", ["NO"]),
    ("language", ["fr", "fr-FR"]),
    ("lang", ["fr"]),
    ("academic_year", ["2026/2027", "2026-2027"]),
    ("year", ["2026/2027", "2026-2027", "2026"]),
    ("academic_term", ["2026/2027-1/2"]),
    ("term", ["2026-S1"]),
    ("isced", ["0421"]),
    ("cefr", ["B2"]),
    ("eqf", ["6"]),
    ("phone", ["+33231567890"]),
    ("hash", ["a3f1c27e9b0d4c8f6e5a2b1d0c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e"]),
    ("sha256", ["a3f1c27e9b0d4c8f6e5a2b1d0c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e"]),
    ("role", ["coordinator"]),
    ("given_name", ["Ingrid"]),
    ("family_name", ["Hansen"]),
    ("first_name", ["Ingrid"]),
    ("last_name", ["Hansen"]),
    ("title", ["European Union law"]),
    ("name", ["Université de Caen Normandie"]),
    ("grade", ["14.5"]),
    ("code", ["DRT-EU-101"]),
    ("hei_id", ["unicaen.fr"]),
    ("city", ["Caen"]),
    ("status", ["published"]),
    ("message", ["The basket passes every rule."]),
    ("detail", ["The basket passes every rule."]),
    ("description", ["Principles and institutions of European Union law."]),
    ("comment", ["Approved after the interview."]),
    ("filename", ["transcript.pdf"]),
    ("content_type", ["application/pdf"]),
    ("media_type", ["application/pdf"]),
    ("ounit", ["DROIT"]),
    ("faculty", ["DROIT"]),
    ("subject", ["office-1"]),
    ("actor", ["office-1"]),
    ("correlation", ["9b2f0c1e-3a4d-4e5f-8a7b-6c5d4e3f2a1b"]),
]
_GENERIC = [
    "example",
    "DRT-EU-101",
    "unicaen.fr",
    "example",
    "fr",
    "FR",
    "0421",
    "2026/2027",
    "2026-2027",
    "2026/2027-1/2",
    "--05-15",
    "12",
    "123456789",
    "https://www.unicaen.fr/",
    "+33231567890",
    "a3f1c27e9b0d4c8f6e5a2b1d0c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e",
    "urn:schac:personalUniqueCode:int:esi:uio.no:20031204",
    "ingrid.hansen@student.uio.no",
    "x",
]
#: dates by what they are the date of
_DATES = [
    ("birth", "2003-04-12"),
    ("departure", "2027-01-31"),
    ("end", "2027-01-31"),
    ("until", "2027-01-31"),
    ("deadline", "2026-05-15"),
    ("result", "2027-01-22"),
]
_FORMATS = {
    "date-time": "2026-09-01T09:30:00Z",
    "date": "2026-09-01",
    "time": "09:30:00",
    "email": "ingrid.hansen@student.uio.no",
    "uri": "https://www.unicaen.fr/international/",
    "duration": "P30D",
    "binary": "",
}


class _NoExampleError(Exception):
    """No value satisfying the schema could be built."""


def example_for(schema: Any, document: dict[str, Any], name: str = "") -> Any:
    """A value valid against ``schema`` (references resolved in ``document``); raises ValueError if none."""
    try:
        return _example(schema, document, name.lower(), 0)
    except _NoExampleError as exc:
        raise ValueError(str(exc)) from exc


def add_response_examples(document: dict[str, Any]) -> None:
    """Give every successful JSON response of ``document`` that has none an example built from its schema."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                for media_type, content in response.get("content", {}).items():
                    if not _is_json(media_type) or "example" in content or "examples" in content:
                        continue
                    schema = content.get("schema")
                    if not schema:
                        continue
                    try:
                        content["example"] = _example(schema, document, "", 0)
                    except _NoExampleError:
                        continue


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema
    target: Any = document
    for part in ref[2:].split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}


def _example(schema: Any, document: dict[str, Any], name: str, depth: int) -> Any:
    if depth > _MAX_DEPTH or not isinstance(schema, dict):
        raise _NoExampleError(f"{name or 'value'}: too deep")
    schema = _resolve(schema, document)
    for key in ("examples",):
        values = schema.get(key)
        if isinstance(values, list) and values:
            return values[0]
    if "example" in schema:
        return schema["example"]
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if schema.get("default") is not None:
        return schema["default"]
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            options = [o for o in schema[combinator] if _resolve(o, document).get("type") != "null"]
            for option in options or schema[combinator]:
                try:
                    return _example(option, document, name, depth + 1)
                except _NoExampleError:
                    continue
            raise _NoExampleError(f"{name}: no option of {combinator}")
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, document))
        return _example(merged, document, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema or "additionalProperties" in schema else None
    if kind == "object":
        return _object(schema, document, name, depth)
    if kind == "array":
        item = _example(schema.get("items", {"type": "string"}), document, _singular(name), depth + 1)
        return [item] * max(1, int(schema.get("minItems", 1)))
    if kind == "string":
        return _string(schema, name)
    if kind == "integer":
        return int(_number(schema, name, integer=True))
    if kind == "number":
        return _number(schema, name, integer=False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "example"  # an unconstrained value (``Any``)


_MULTILINGUAL = {
    "title": {"en": "European Union law", "fr": "Droit de l'Union européenne"},
    "name": {"en": "University of Caen Normandy", "fr": "Université de Caen Normandie"},
    "description": {
        "en": "Principles and institutions of EU law.",
        "fr": "Principes et institutions du droit de l'UE.",
    },
    "outcome": {"en": "Explain how EU law is made and applied.", "fr": "Expliquer comment le droit de l'UE est fait."},
    "prerequisite": {"en": "An introduction to law.", "fr": "Une introduction au droit."},
    "requirement": {"en": "French B1 or English B2.", "fr": "Français B1 ou anglais B2."},
    "information": {"en": "See the international office's page.", "fr": "Voir la page du service international."},
}


def _object(schema: dict[str, Any], document: dict[str, Any], name: str, depth: int) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    value: dict[str, Any] = {}
    for key, sub in properties.items():
        try:
            value[key] = _example(sub, document, key.lower(), depth + 1)
        except _NoExampleError:
            if key in required:
                raise
    extra = schema.get("additionalProperties")
    if not properties and isinstance(extra, dict):
        if _resolve(extra, document).get("type") == "string":  # a text in several languages, most often
            texts = next((v for key, v in _MULTILINGUAL.items() if key in name), None)
            value = (
                dict(texts) if texts else {lang: _example(extra, document, name, depth + 1) for lang in ("en", "fr")}
            )
        else:
            value["example"] = _example(extra, document, name, depth + 1)
    return value


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _string(schema: dict[str, Any], name: str) -> str:
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid5(_NAMESPACE, name or "id"))
    candidates: list[str] = []
    if fmt == "date":
        candidates.extend(day for key, day in _DATES if key in name)
    if isinstance(fmt, str) and fmt in _FORMATS:
        candidates.append(_FORMATS[fmt])
    # what the name ends with says more than what it contains ("status_changed_by" is a person)
    candidates.extend(v for key, values in _BY_NAME if name.endswith(key) for v in values)
    candidates.extend(v for key, values in _BY_NAME if key in name for v in values)
    if name.endswith("_id") or name == "id":
        candidates.append(str(uuid.uuid5(_NAMESPACE, name)))
    candidates.extend(_GENERIC)
    pattern = schema.get("pattern")
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    for candidate in candidates:
        if pattern and not re.search(pattern, candidate):
            continue
        if high is not None and len(candidate) > int(high):
            candidate = candidate[: int(high)]
            if pattern and not re.search(pattern, candidate):
                continue
        if len(candidate) < low:
            continue
        return candidate
    if not pattern:
        return "x" * max(low, 1)
    raise _NoExampleError(f"{name}: no example matches {pattern!r}")


def _number(schema: dict[str, Any], name: str, *, integer: bool) -> float:
    guesses = [
        ("ects", 6),
        ("credit", 6),
        ("year", 2026),
        ("version", 1),
        ("limit", 50),
        ("offset", 0),
        ("eqf", 6),
        ("count", 3),
        ("total", 3),
        ("rate", 0.9),
        ("hours", 24),
        ("capacity", 10),
    ]
    value: float = next((v for key, v in guesses if key in name), 1)
    minimum = schema.get("minimum", schema.get("exclusiveMinimum"))
    maximum = schema.get("maximum", schema.get("exclusiveMaximum"))
    if minimum is not None and value < minimum:
        value = minimum + (1 if "exclusiveMinimum" in schema else 0)
    if maximum is not None and value > maximum:
        value = maximum - (1 if "exclusiveMaximum" in schema else 0)
    if integer:
        return int(value)
    return float(value)
