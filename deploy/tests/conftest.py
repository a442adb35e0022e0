"""Fixtures of the deployment checks (helpers in deploykit.py, importable from the tests)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from deploykit import DEPLOY, OVERLAYS, interpolate_tree, make_env_output, rendered

from smile_suite.deployment import ServiceContract, contracts


@pytest.fixture(scope="session")
def service_contracts() -> list[ServiceContract]:
    return contracts()


@pytest.fixture(scope="session")
def compose_raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


@pytest.fixture(scope="session")
def compose(compose_raw: dict[str, Any]) -> dict[str, Any]:
    """The compose file as Docker Compose sees it with a .env made by make-env.sh."""
    resolved: dict[str, Any] = interpolate_tree(compose_raw, make_env_output())
    return resolved


@pytest.fixture(scope="session", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    """(name, rendered documents) of each Kubernetes overlay."""
    name: str = request.param
    return name, rendered(name)
