"""The breaking-change classifier, on small documents whose answer is obvious to an integrator."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from smile_suite.compat import compare_event_schemas, compare_openapi, version_bumped


def _doc() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "0.1.0"},
        "paths": {
            "/courses": {
                "post": {
                    "operationId": "createCourse",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CourseCreate"}}},
                    },
                    "responses": {
                        "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Course"}}}}
                    },
                },
                "get": {
                    "operationId": "listCourses",
                    "parameters": [{"in": "query", "name": "hei", "required": False, "schema": {"type": "string"}}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"type": "array"}}}}},
                },
            }
        },
        "components": {
            "schemas": {
                "CourseCreate": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code"],
                    "properties": {
                        "code": {"type": "string", "maxLength": 64},
                        "ects": {"type": "number"},
                        "level": {"type": "string", "enum": ["bachelor", "master"]},
                    },
                },
                "Course": {
                    "type": "object",
                    "required": ["id", "code", "status"],
                    "properties": {
                        "id": {"type": "string"},
                        "code": {"type": "string"},
                        "status": {"type": "string", "enum": ["draft", "published"]},
                        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    },
                },
            }
        },
    }


def _breaking(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [str(c) for c in compare_openapi(old, new) if c.breaking]


def _edit(path: list[Any], value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    doc = _doc()
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


SCHEMAS = ["components", "schemas"]


@pytest.mark.parametrize(
    ("new", "breaking"),
    [
        (_doc(), False),
        (_edit(["paths", "/courses", "get"], delete=True), True),
        (_edit(["paths", "/courses", "get", "operationId"], "getCourses"), True),
        (_edit([*SCHEMAS, "Course", "properties", "title"], {"type": "string"}), False),  # response field added
        (_edit([*SCHEMAS, "Course", "properties", "code"], delete=True), True),  # response field removed
        (_edit([*SCHEMAS, "Course", "required"], ["id", "code"]), True),  # response field made optional
        (_edit([*SCHEMAS, "Course", "properties", "status", "enum"], ["draft", "published", "withdrawn"]), True),
        (_edit([*SCHEMAS, "Course", "properties", "note"], {"type": "string"}), False),  # never null any more
        (_edit([*SCHEMAS, "Course", "properties", "id"], {"anyOf": [{"type": "string"}, {"type": "null"}]}), True),
        (_edit([*SCHEMAS, "CourseCreate", "properties", "ects"], delete=True), True),  # clients sending it get 422
        (_edit([*SCHEMAS, "CourseCreate", "properties", "term"], {"type": "string"}), False),  # optional input
        (_edit([*SCHEMAS, "CourseCreate", "required"], ["code", "ects"]), True),
        (_edit([*SCHEMAS, "CourseCreate", "properties", "code", "maxLength"], 32), True),
        (_edit([*SCHEMAS, "CourseCreate", "properties", "code", "maxLength"], 128), False),
        (_edit([*SCHEMAS, "CourseCreate", "properties", "level", "enum"], ["bachelor"]), True),
        (_edit([*SCHEMAS, "CourseCreate", "properties", "level", "enum"], ["bachelor", "master", "phd"]), False),
        (_edit([*SCHEMAS, "CourseCreate", "properties", "ects"], {"type": "string"}), True),
        (
            _edit(
                ["paths", "/courses", "get", "parameters"],
                [{"in": "query", "name": "hei", "required": True, "schema": {"type": "string"}}],
            ),
            True,
        ),
        (_edit(["paths", "/courses", "get", "parameters", 0, "name"], "university"), True),
        (_edit(["paths", "/courses", "post", "responses", "201"], delete=True), True),
        (_edit(["paths", "/courses", "post", "responses", "409"], {"description": "conflict"}), False),
        (_edit(["paths", "/courses", "get", "security"], [{"bearerAuth": []}]), True),
    ],
)
def test_changes_are_classified_as_an_integrator_would(new: dict[str, Any], breaking: bool) -> None:
    found = _breaking(_doc(), new)
    assert bool(found) is breaking, found


def test_a_new_optional_request_parameter_and_a_new_operation_are_compatible() -> None:
    new = _doc()
    new["paths"]["/courses"]["get"]["parameters"].append({"in": "query", "name": "q", "schema": {"type": "string"}})
    new["paths"]["/terms"] = {"get": {"operationId": "listTerms", "responses": {"200": {}}}}
    changes = compare_openapi(_doc(), new)
    assert changes
    assert not any(c.breaking for c in changes)


def test_event_payloads_follow_the_consumer_rules() -> None:
    old = {
        "type": "object",
        "additionalProperties": False,
        "required": ["course_id", "code"],
        "properties": {"course_id": {"type": "string"}, "code": {"type": "string"}},
    }
    added = copy.deepcopy(old)
    added["properties"]["title"] = {"type": "string"}
    assert not any(c.breaking for c in compare_event_schemas(old, added))
    removed = copy.deepcopy(old)
    del removed["properties"]["code"]
    removed["required"] = ["course_id"]
    assert any(c.breaking for c in compare_event_schemas(old, removed))


@pytest.mark.parametrize(
    ("old", "new", "bumped"),
    [("0.1.0", "0.1.1", False), ("0.1.0", "0.2.0", True), ("1.4.2", "1.5.0", False), ("1.4.2", "2.0.0", True)],
)
def test_a_breaking_change_needs_a_major_bump_or_a_minor_one_before_1_0(old: str, new: str, bumped: bool) -> None:
    assert version_bumped(old, new) is bumped
