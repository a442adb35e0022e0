"""deploy/monitoring/prometheus-rules.yml: well-formed, and every SMILE metric it uses exists in the code."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import yaml
from deploykit import DEPLOY
from prometheus_client import REGISTRY

from smile_suite.registry import SERVICES

RULES = DEPLOY / "monitoring" / "prometheus-rules.yml"
#: metrics that come from elsewhere: Prometheus itself, RabbitMQ's plugin, kube-state-metrics
FOREIGN = ("up", "rabbitmq_", "kube_")


def smile_metric_names() -> set[str]:
    """Every series name the services' code can export (their modules imported, metrics registered)."""
    packages = ["smile_common", *(f"smile_{definition.name}" for _, definition in SERVICES)]
    for package in packages:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name and ".testing" not in info.name:
                importlib.import_module(info.name)
    names = {name for names in REGISTRY._collector_to_names.values() for name in names}
    return {n for n in names if n.startswith("smile_")}


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_rules_are_well_formed() -> None:
    found = rules()
    assert len({r["alert"] for r in found}) == len(found)
    for rule in found:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
        assert rule["expr"].count("(") == rule["expr"].count(")")


def test_every_smile_metric_in_the_rules_is_exported_by_the_code() -> None:
    known = smile_metric_names()
    assert "smile_outbox_pending" in known
    used = {name for rule in rules() for name in re.findall(r"\b(smile_[a-z_]+)\b", rule["expr"])}
    assert used
    assert used <= known, f"alerts on metrics no code exports: {sorted(used - known)}"


def test_each_alert_is_explained_in_the_operations_guide() -> None:
    guide = (DEPLOY.parent / "docs" / "operations.md").read_text()
    for rule in rules():
        assert rule["alert"] in guide, f"docs/operations.md does not explain {rule['alert']}"
