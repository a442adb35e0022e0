"""The public Pégase OpenAPI files (shared/sis/openapi), to check that test doubles speak Pégase's shapes."""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml


def shared_dir() -> Path:
    """The repository's reference folder ``specs/`` (holding ``sis/openapi`` and ``sis/samples``)."""
    if os.environ.get("SMILE_SHARED_DIR"):
        return Path(os.environ["SMILE_SHARED_DIR"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "specs"
        if (candidate / "sis" / "openapi").is_dir():
            return candidate
    raise FileNotFoundError("specs/sis/openapi not found in the repository")


SAMPLES = shared_dir() / "sis" / "samples"


@functools.cache
def _spec(name: str) -> dict[str, Any]:
    text = (shared_dir() / "sis" / "openapi" / name).read_text(encoding="utf-8")
    seen: set[str] = set()

    def rename(match: re.Match[str]) -> str:  # one spec reuses an anchor name; PyYAML refuses that
        anchor = match.group(1)
        if anchor in seen:
            return f"&{anchor}_again"
        seen.add(anchor)
        return match.group(0)

    return dict(yaml.safe_load(re.sub(r"&([A-Za-z_][\w-]*)", rename, text)))


def _openapi_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``nullable`` becomes a null type; the undocumented ``est1`` is not required."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi_to_jsonschema(v) for k, v in node.items() if k not in ("discriminator", "example", "examples")}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "$ref" in out or "allOf" in out:
            out = {"anyOf": [{"type": "null"}, out]}
    if isinstance(out.get("required"), list):
        out["required"] = [r for r in out["required"] if r != "est1"]
    return out


def validate(spec: str, schema: str, instance: Any) -> None:
    """Raise if ``instance`` does not match ``components.schemas[schema]`` of ``spec``."""
    document = _openapi_to_jsonschema(_spec(spec))
    root = {"components": document["components"], "$ref": f"#/components/schemas/{schema}"}
    jsonschema.validate(json.loads(json.dumps(instance, default=str)), root)


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def pegase_schema() -> Any:
    """``pegase_schema(spec_file, schema_name, instance)`` raises if the instance is not of that shape."""
    return validate


@pytest.fixture
def pegase_sample() -> Any:
    """``pegase_sample(name)``: a sample response from shared/sis/samples."""

    def load(name: str) -> Any:
        return json.loads((SAMPLES / name).read_text(encoding="utf-8"))

    return load


def jwt_with_exp(seconds_from_now: float) -> str:
    """An unsigned JWT whose ``exp`` is ``seconds_from_now`` away (Pégase's tokens are opaque to SMILE)."""
    import base64
    import time

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'sub': 'svc-api', 'exp': int(time.time() + seconds_from_now)})}.c2ln"


PEGASE = "https://{module}.test-unicaen.pc-scol.fr"
CAS_URL = "https://authn-app.test-unicaen.pc-scol.fr/cas/v1/tickets"


@pytest.fixture
def pegase_config() -> Any:
    from smile_sis import PegaseConfig

    return PegaseConfig(
        instance="test-unicaen", username="svc-api", password="TEST-ONLY-secret", structure_code="ETAB00"
    )


@pytest.fixture
def jwt() -> Any:
    return jwt_with_exp
