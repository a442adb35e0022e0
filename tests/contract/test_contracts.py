"""The committed contracts are what the code produces, they are valid, and no change breaks a client
or a consumer without saying so."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from smile_common.events.envelope import published_event_types
from smile_suite.compat import compare_event_schemas, compare_openapi, version_bumped
from smile_suite.contracts import Contracts, generate, repository_root

ROOT = repository_root(Path(__file__))
CONTRACT = ROOT / "tests" / "contract"
OPENAPI_FILES = sorted((CONTRACT / "openapi").glob("*.json"))
EVENT_FILES = sorted((CONTRACT / "events").glob("*.json"))


@cache
def _generated() -> Contracts:
    return generate()


def test_committed_contracts_are_what_the_code_generates() -> None:
    drift = _generated().drift(ROOT)
    assert drift == [], f"contracts drifted from the code: run `make contracts` and commit: {drift}"


def test_the_asyncapi_document_is_valid_asyncapi_3() -> None:
    schema = json.loads((ROOT / "specs" / "asyncapi" / "asyncapi-3.0.0.schema.json").read_text())
    document = json.loads((CONTRACT / "asyncapi.json").read_text())
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(document)]
    assert errors == []
    assert {c["address"] for c in document["channels"].values()} == set(published_event_types())


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.stem)
def test_every_event_schema_is_closed_and_names_its_producer(path: Path) -> None:
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert schema["x-producer"] in {"catalogue", "agreements", "records", "ewp-gateway", "ewp_gateway", "indicators"}
    assert re.fullmatch(r"[a-z_]+\.[a-z_]+\.[a-z_]+\.v\d+", path.stem)


@pytest.mark.parametrize("path", OPENAPI_FILES, ids=lambda p: p.stem)
def test_every_operation_is_documented_for_integrators(path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["openapi"].startswith("3.1")
    assert "bearerAuth" in document["components"]["securitySchemes"]
    problems = []
    for route, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {route}"
            if not re.fullmatch(r"[a-z][A-Za-z0-9]+", operation.get("operationId", "")):
                problems.append(f"{where}: operationId {operation.get('operationId')!r} is not camelCase")
            if not operation.get("summary") and not operation.get("description"):
                problems.append(f"{where}: no summary or description")
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")):
                    if "application/xml" in response.get("content", {}):
                        continue  # EWP endpoints answer the EWP <error-response> their specification requires
                    content = response.get("content", {}).get("application/problem+json")
                    if content is None or "example" not in content:
                        problems.append(f"{where}: {status} is not documented as a problem document with an example")
    assert problems == []


def _with_absolute_refs(schema: Any, base: str) -> Any:
    if isinstance(schema, dict):
        return {
            k: (base + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _with_absolute_refs(v, base))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_with_absolute_refs(v, base) for v in schema]
    return schema


@pytest.mark.parametrize("path", OPENAPI_FILES, ids=lambda p: p.stem)
def test_every_successful_answer_shows_an_example_valid_against_its_schema(path: Path) -> None:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = json.loads(path.read_text())
    base = f"urn:smile:openapi:{path.stem}"
    registry: Registry[Any] = Registry().with_resource(base, Resource.from_contents(document, DRAFT202012))
    problems = []
    for route, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                for media_type, content in response.get("content", {}).items() if status.startswith("2") else ():
                    if media_type != "application/json" and not media_type.endswith("+json"):
                        continue  # files (PDF, CSV, XLSX, XML): described in words
                    where = f"{method.upper()} {route} {status}"
                    if "example" not in content and "examples" not in content:
                        if content.get("schema"):
                            problems.append(f"{where}: no example")
                        continue  # no schema: a JSON download (exports), its columns documented in words
                    examples = [content["example"]] if "example" in content else [
                        e["value"] for e in content["examples"].values()
                    ]  # fmt: skip
                    schema = _with_absolute_refs(content.get("schema", {}), base)
                    validator = jsonschema.Draft202012Validator(
                        schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
                    )
                    for example in examples:
                        for error in validator.iter_errors(example):
                            problems.append(f"{where}: example invalid at {list(error.absolute_path)}: {error.message}")
    assert problems == []


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def _previous(path: Path) -> dict[str, Any] | None:
    """The version this file had before its latest change (uncommitted, or the latest commit touching it)."""
    relative = str(path.relative_to(ROOT))
    current = path.read_text()
    head = _git("show", f"HEAD:{relative}")
    if head is not None and head != current:
        return json.loads(head)  # type: ignore[no-any-return]
    latest = (_git("log", "-n", "1", "--format=%H", "--", relative) or "").strip()
    if not latest:
        return None
    before = _git("show", f"{latest}^:{relative}")
    return json.loads(before) if before else None


@pytest.mark.parametrize("path", OPENAPI_FILES, ids=lambda p: p.stem)
def test_a_breaking_api_change_comes_with_a_version_bump(path: Path) -> None:
    previous = _previous(path)
    if previous is None:
        return  # first version of this contract
    current = json.loads(path.read_text())
    breaking = [str(c) for c in compare_openapi(previous, current) if c.breaking]
    if breaking:
        old, new = previous["info"]["version"], current["info"]["version"]
        assert version_bumped(old, new), (
            f"{path.stem}: breaking changes without a version bump ({old} -> {new}); bump the service's version "
            "in its definition.py (minor while 0.x, major after) or keep the change compatible:\n  "
            + "\n  ".join(breaking)
        )


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.stem)
def test_an_event_type_never_changes_in_a_way_that_breaks_its_consumers(path: Path) -> None:
    previous = _previous(path)
    if previous is None:
        return
    breaking = [str(c) for c in compare_event_schemas(previous, json.loads(path.read_text())) if c.breaking]
    assert breaking == [], (
        f"{path.stem}: publish a new version of the event (…v2) instead of breaking v1:\n  " + "\n  ".join(breaking)
    )
