"""The deployment contract itself: what it derives from the code is right."""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path

from deploykit import ROOT

from smile_suite.deployment import ServiceContract, contract_json, contracts, setting_variables
from smile_suite.registry import SERVICES


def test_every_service_command_is_installed(service_contracts: list[ServiceContract]) -> None:
    scripts = {e.name for e in entry_points(group="console_scripts")}
    for contract in service_contracts:
        assert contract.command in scripts


def test_secrets_are_told_apart_from_configuration() -> None:
    from smile_agreements.settings import AgreementsSettings

    configuration, secrets = setting_variables(AgreementsSettings)
    assert {"SMILE_DATABASE_URL", "SMILE_AMQP_URL", "SMILE_SERVICE_CLIENT_SECRET", "SMILE_SMTP_PASSWORD"} <= set(
        secrets
    )
    assert {"SMILE_PROFILE", "SMILE_SMTP_HOST", "SMILE_ROOT_PATH"} <= set(configuration)
    assert not set(configuration) & set(secrets)


def test_the_contract_lists_every_service_once(service_contracts: list[ServiceContract]) -> None:
    assert [c.name for c in service_contracts] == [d.name for _, d in SERVICES]
    assert len({c.mount for c in service_contracts}) == len(service_contracts)
    assert '"ewp-gateway"' in contract_json()


def test_declared_calls_name_other_services(service_contracts: list[ServiceContract]) -> None:
    names = {c.name for c in service_contracts}
    for contract in service_contracts:
        assert set(contract.calls) <= names - {contract.name}, f"{contract.name} calls {contract.calls}"


def _service_urls_keys(package: Path) -> set[str]:
    """Literal keys the code reads from ``service_urls`` (``settings.service_urls["catalogue"]``, ``.get``)."""
    keys: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "service_urls"
                and isinstance(node.slice, ast.Constant)
            ):
                keys.add(str(node.slice.value))
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "service_urls"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                keys.add(str(node.args[0].value))
    return keys


def test_the_code_calls_only_the_services_it_declares() -> None:
    for contract in contracts():
        package = next((ROOT / "services").glob(f"*/src/smile_{contract.name}"))
        used = _service_urls_keys(package)
        assert used <= set(contract.calls), (
            f"smile_{contract.name} reads service_urls{sorted(used - set(contract.calls))} without declaring the "
            "call: add it to its ServiceDefinition(calls=...) so that deployments let it through"
        )


def test_the_call_finder_sees_both_spellings(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "a = settings.service_urls['catalogue']\nb = self.settings.service_urls.get('records', '')\n"
    )
    assert _service_urls_keys(tmp_path) == {"catalogue", "records"}


def test_every_variable_the_code_reads_is_documented(service_contracts: list[ServiceContract]) -> None:
    docs = "\n".join(p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    for contract in service_contracts:
        missing = sorted(v for v in contract.variables if v not in docs)
        assert not missing, f"{contract.slug} reads {missing}: document them under docs/ (docs/operations.md)"
