"""The CI's dependency audit: a vulnerable pin fails, an accepted one is listed, no database is said aloud."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit_dependencies.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_dependencies"] = module
    spec.loader.exec_module(module)
    return module


def _answers(monkeypatch: pytest.MonkeyPatch, module: ModuleType, reports: dict[str, Any]) -> None:
    monkeypatch.setattr(module, "run_pip_audit", lambda source, accepted: reports.get(source))


def test_a_vulnerable_pinned_version_fails_the_build(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    module = _script()
    vuln = {"id": "GHSA-xxxx", "fix_versions": ["2.0.1"], "aliases": [], "description": "bad"}
    report = {"dependencies": [{"name": "h11", "version": "0.16.0", "vulns": []}, {"name": "x", "version": "2.0"}]}
    report["dependencies"][1]["vulns"] = [vuln]
    _answers(monkeypatch, module, {"pypi": report})
    assert module.main() == 1
    assert "VULNERABLE x==2.0: GHSA-xxxx (fixed in: 2.0.1)" in capsys.readouterr().out


def test_clean_pins_pass(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    module = _script()
    _answers(monkeypatch, module, {"pypi": {"dependencies": [{"name": "h11", "version": "0.16.0", "vulns": []}]}})
    assert module.main() == 0


def test_an_unreachable_advisory_source_is_reported_and_fails_only_when_required(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    module = _script()
    skipped = {"dependencies": [{"name": "h11", "skip_reason": "Dependency not found on PyPI"}]}
    _answers(monkeypatch, module, {"pypi": skipped, "osv": None})
    assert module.main() == 0
    assert "DEPENDENCY AUDIT NOT DONE" in capsys.readouterr().out
    monkeypatch.setenv("SMILE_AUDIT_REQUIRED", "1")
    assert module.main() == 2
