"""Helpers of the deployment checks: the compose file as Docker Compose reads it, the rendered overlays."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAYS = sorted(p.name for p in (DEPLOY / "k8s" / "overlays").iterdir() if (p / "kustomization.yaml").exists())

_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[A-Za-z_]\w*)(?P<op>:?[-?])?(?P<arg>[^}]*)\}|(?P<bare>[A-Za-z_]\w*))")


class MissingVariableError(LookupError):
    pass


def interpolate(value: str, env: dict[str, str]) -> str:
    """Docker Compose's interpolation: ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = env.get(name)
        unset = current is None or (op is not None and op.startswith(":") and current == "")
        if op in {":-", "-"} and unset:
            return arg
        if op in {":?", "?"} and unset:
            raise MissingVariableError(f"{name}: {arg}")
        return current or ""

    return _VARIABLE.sub(replace, value)


def interpolate_tree(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(value, env) for value in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


def make_env_output() -> dict[str, str]:
    """What ``compose/make-env.sh`` writes into ``.env``."""
    out = subprocess.run(
        ["/bin/sh", str(DEPLOY / "compose" / "make-env.sh")], check=True, capture_output=True, text=True
    ).stdout
    env: dict[str, str] = {}
    for line in out.splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    return env


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        message = "kubectl (with its built-in kustomize) is needed to render the overlays"
        if os.environ.get("CI") or os.environ.get("SMILE_REQUIRE_INFRA"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def render(overlay: str) -> list[dict[str, Any]]:
    """``kubectl kustomize`` of an overlay, as a list of documents."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"kustomize failed for {overlay}:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


_rendered: dict[str, list[dict[str, Any]]] = {}


def rendered(overlay: str) -> list[dict[str, Any]]:
    if overlay not in _rendered:
        _rendered[overlay] = render(overlay)
    return _rendered[overlay]


def run_slow_checks(what: str) -> None:
    """Skip a check that takes minutes unless CI runs it (CI=true) or ``SMILE_DEPLOY_TESTS=1`` asks for it."""
    if not (os.environ.get("CI") or os.environ.get("SMILE_DEPLOY_TESTS")):
        pytest.skip(f"{what}: runs in CI, or here with SMILE_DEPLOY_TESTS=1 (make deploy-check)")
