"""Examples built from schemas are valid against them, plausible, and the same on every run."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from smile_common.openapi_examples import add_response_examples, example_for

DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {
            "Student": {
                "type": "object",
                "required": ["id", "email", "citizenship", "academic_year"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "email": {"type": "string"},
                    "citizenship": {"type": "string", "pattern": "^[A-Z]{2}$"},
                    "academic_year": {"type": "string", "pattern": r"^\d{4}/\d{4}$"},
                    "birth_date": {"type": "string", "format": "date"},
                    "ects": {"type": "number", "minimum": 0, "maximum": 60},
                    "status": {"type": "string", "enum": ["nominated", "accepted"]},
                    "title": {"type": "object", "additionalProperties": {"type": "string"}},
                    "changed_by": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "code": {"type": "string", "examples": ["ECO-MAC-110"]},
                },
            }
        }
    },
    "paths": {
        "/students/{id}": {
            "get": {
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Student"}}}},
                    "404": {"content": {"application/problem+json": {"schema": {}}}},
                }
            }
        },
        "/students/{id}/pdf": {
            "get": {"responses": {"200": {"content": {"application/pdf": {"schema": {"type": "string"}}}}}}
        },
    },
}


def test_a_successful_json_answer_gets_an_example_valid_against_its_schema() -> None:
    document = {**DOCUMENT, "paths": {k: {m: dict(o) for m, o in v.items()} for k, v in DOCUMENT["paths"].items()}}
    add_response_examples(document)
    content = document["paths"]["/students/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    example = content["example"]
    schema = {**document["components"]["schemas"]["Student"]}
    jsonschema.validate(example, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert example["email"] == "ingrid.hansen@student.uio.no"
    assert example["citizenship"] == "NO"
    assert example["academic_year"] == "2026/2027"
    assert example["birth_date"] == "2003-04-12"
    assert example["status"] == "nominated"
    assert example["code"] == "ECO-MAC-110"  # the model's own example wins
    assert example["changed_by"] == "office-1"
    assert set(example["title"]) == {"en", "fr"}
    assert (
        "example"
        not in document["paths"]["/students/{id}"]["get"]["responses"]["404"]["content"]["application/problem+json"]
    )
    assert (
        "example"
        not in document["paths"]["/students/{id}/pdf"]["get"]["responses"]["200"]["content"]["application/pdf"]
    )


def test_examples_are_deterministic() -> None:
    schema = {"$ref": "#/components/schemas/Student"}
    assert example_for(schema, DOCUMENT) == example_for(schema, DOCUMENT)


def test_a_pattern_nothing_plausible_matches_is_reported() -> None:
    with pytest.raises(ValueError, match="no example matches"):
        example_for({"type": "string", "pattern": "^Q{7}$"}, DOCUMENT, "odd")
