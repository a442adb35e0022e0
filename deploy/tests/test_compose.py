"""deploy/docker-compose.yml: valid for Docker Compose, and complete for what the code needs."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import Any

import jsonschema
import pytest
import yaml
from deploykit import DEPLOY, MissingVariableError, interpolate, interpolate_tree

from smile_suite.deployment import API_PORT, PROCESS_VARIABLES, WORKER_HEALTH_PORT, ServiceContract


def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, as vendored (offline) by check-jsonschema."""
    text = (files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    assert schema_errors(compose) == []


def test_the_schema_check_catches_mistakes(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["catalogue-api"]["depends_on"]["postgres"]["condition"] = "service_ready"
    broken["services"]["catalogue-api"]["restart_policy"] = "always"
    errors = schema_errors(broken)
    assert any("service_ready" in e for e in errors)
    assert any("restart_policy" in e for e in errors)


def test_interpolation_behaves_like_compose() -> None:
    env = {"A": "1", "EMPTY": ""}
    assert interpolate("x${A}y$A$$A", env) == "x1y1$A"
    assert interpolate("${EMPTY:-d}|${EMPTY-d}|${NOPE:-d}", env) == "d||d"
    with pytest.raises(MissingVariableError, match="NOPE"):
        interpolate("${NOPE:?set it}", env)


def test_make_env_gives_every_required_variable(compose_raw: dict[str, Any]) -> None:
    with pytest.raises(MissingVariableError):  # without a .env, compose refuses to start (no default passwords)
        interpolate_tree(compose_raw, {})
    # with make-env.sh's output it interpolates (the `compose` fixture), with distinct random passwords
    from deploykit import make_env_output

    first, second = make_env_output(), make_env_output()
    passwords = [k for k in first if "PASSWORD" in k and k != "SMILE_SMTP_PASSWORD"]
    assert len(passwords) >= 7
    assert all(len(first[k]) >= 32 and first[k] != second[k] for k in passwords)
    assert len({first[k] for k in passwords}) == len(passwords)


def _service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    services: dict[str, Any] = compose["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    service: dict[str, Any] = services[name]
    return service


def _option(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def test_every_service_has_its_migrate_api_and_worker(
    compose: dict[str, Any], service_contracts: list[ServiceContract]
) -> None:
    migrations = {f"{c.slug}-migrate" for c in service_contracts}
    for contract in service_contracts:
        migrate = _service(compose, f"{contract.slug}-migrate")
        assert migrate["command"] == [contract.command, "migrate"]
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"

        api = _service(compose, f"{contract.slug}-api")
        assert api["command"][:2] == [contract.command, "api"]
        assert _option(api["command"], "--port") == str(API_PORT)
        assert _option(api["command"], "--host") == "0.0.0.0"  # noqa: S104

        worker = _service(compose, f"{contract.slug}-worker")
        assert worker["command"][:2] == [contract.command, "worker"]
        assert _option(worker["command"], "--health-port") == str(WORKER_HEALTH_PORT)
        assert _option(worker["command"], "--health-host") == "0.0.0.0"  # noqa: S104

        for process in (api, worker):
            waits_for = {
                k for k, v in process["depends_on"].items() if v["condition"] == "service_completed_successfully"
            }
            assert waits_for == migrations, "api and worker start once every schema is migrated"
            assert process["healthcheck"]["test"] == ["CMD", "smile-healthcheck", "--ready"]
            assert process["read_only"] is True
            assert process["user"] == "10001:10001"
    smile_services = {n for n in compose["services"] if n.rsplit("-", 1)[-1] in {"api", "worker", "migrate"}}
    expected = {f"{c.slug}-{p}" for c in service_contracts for p in ("api", "worker", "migrate")}
    assert smile_services == expected, "a service in docker-compose.yml that the code does not have"


def test_every_variable_the_code_reads_is_set_and_no_other(
    compose: dict[str, Any], service_contracts: list[ServiceContract]
) -> None:
    for contract in service_contracts:
        for process in ("api", "worker", "migrate"):
            env: dict[str, str] = _service(compose, f"{contract.slug}-{process}")["environment"]
            given = {k for k in env if k.startswith("SMILE_")}
            missing = contract.variables - given
            assert not missing, (
                f"{contract.slug}-{process} lacks {sorted(missing)}: add them to x-smile-env (shared) or "
                f"x-{contract.slug}-env in deploy/docker-compose.yml (an empty value keeps the default)"
            )
            unknown = given - contract.variables - PROCESS_VARIABLES
            assert not unknown, f"{contract.slug}-{process} sets {sorted(unknown)}, which no code reads"


def test_each_service_has_its_own_role_prefix_and_the_others_urls(
    compose: dict[str, Any], service_contracts: list[ServiceContract]
) -> None:
    for contract in service_contracts:
        env = _service(compose, f"{contract.slug}-api")["environment"]
        assert re.match(
            rf"postgresql\+asyncpg://{contract.database_role}:[0-9a-f]+@postgres:5432/smile$", env["SMILE_DATABASE_URL"]
        )
        assert env["SMILE_ROOT_PATH"] == contract.mount
        assert re.fullmatch(r"amqp://smile:[0-9a-f]+@rabbitmq:5672/smile", env["SMILE_AMQP_URL"])
        urls = json.loads(env["SMILE_SERVICE_URLS"])
        assert urls == {c.name: f"http://{c.api}:{API_PORT}" for c in service_contracts}


def test_postgres_creates_a_role_per_service(compose: dict[str, Any], service_contracts: list[ServiceContract]) -> None:
    postgres = _service(compose, "postgres")
    assert any(v.endswith("/docker-entrypoint-initdb.d/10-create-smile-roles.sh:ro") for v in postgres["volumes"])
    for contract in service_contracts:
        password = postgres["environment"][f"SMILE_DB_PASSWORD_{contract.schema.upper()}"]
        assert password
        assert f":{password}@" in _service(compose, f"{contract.slug}-api")["environment"]["SMILE_DATABASE_URL"]
    script = (DEPLOY / "postgres" / "create-smile-roles.sh").read_text()
    listed = re.search(r'SMILE_SCHEMAS=\$\{SMILE_SCHEMAS:-"([^"]*)"\}', script)
    assert listed is not None
    assert listed.group(1).split() == [c.schema for c in service_contracts]


def test_infrastructure_is_healthy_before_anything_uses_it(compose: dict[str, Any]) -> None:
    assert "pg_isready" in " ".join(_service(compose, "postgres")["healthcheck"]["test"])
    rabbitmq = _service(compose, "rabbitmq")
    assert rabbitmq["image"].split(":")[1].endswith("management-alpine")  # management plugin
    assert rabbitmq["environment"]["RABBITMQ_DEFAULT_VHOST"] == "smile"
    assert all(port.startswith("127.0.0.1:") for port in rabbitmq["ports"])  # admin UI: this machine only


def test_only_the_proxy_is_published_and_it_routes_every_api(
    compose: dict[str, Any], service_contracts: list[ServiceContract]
) -> None:
    published = {
        name
        for name, s in compose["services"].items()
        if s.get("ports") and not name.startswith(("rabbitmq", "keycloak"))
    }
    assert published == {"proxy"}
    conf = (DEPLOY / "compose" / "nginx.conf").read_text()
    for contract in service_contracts:
        block = re.search(
            rf"location {re.escape(contract.mount)}/ \{{\s*set \$upstream ([\w-]+);\s*proxy_pass http://\$upstream:(\d+);",
            conf,
        )
        assert block is not None, f"nginx.conf does not route {contract.mount}/"
        assert block.groups() == (contract.api, str(API_PORT))
    internal = re.search(r"location ~ \^/\(([^)]*)\)/internal", conf)
    assert internal is not None
    assert set(internal.group(1).split("|")) == {c.mount.strip("/") for c in service_contracts}


def test_the_optional_keycloak_issues_the_claims_smile_reads() -> None:
    realm = json.loads((DEPLOY / "compose" / "keycloak" / "smile-realm.json").read_text())
    roles = {r["name"] for r in realm["roles"]["realm"]}
    from smile_suite.cli import ROLES

    assert roles == set(ROLES)
    for client in realm["clients"]:
        mappers = {m["name"]: m for m in client["protocolMappers"]}
        assert mappers["audience smile"]["config"]["included.custom.audience"] == "smile"
        assert mappers["roles"]["config"]["claim.name"] == "roles"
        assert mappers["hei"]["config"]["claim.name"] == "hei"
    secrets = [c.get("secret", "") for c in realm["clients"]] + [
        cred["value"] for u in realm["users"] for cred in u.get("credentials", [])
    ]
    assert all(s.startswith("TEST-ONLY-") for s in secrets if s)


def test_the_compose_file_is_plain_yaml_without_duplicate_keys() -> None:
    class Strict(yaml.SafeLoader):
        pass

    def no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        keys = [k.value for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"]
        duplicated = {k for k in keys if keys.count(k) > 1}
        assert not duplicated, f"duplicate keys {duplicated} at line {node.start_mark.line + 1}"
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, no_duplicates)
    yaml.load((DEPLOY / "docker-compose.yml").read_text(), Loader=Strict)  # noqa: S506 (SafeLoader subclass)


def _covered(path: str, mounts: list[str]) -> bool:
    return any(path == m or path.startswith(m.rstrip("/") + "/") for m in mounts)


def test_every_directory_setting_is_a_mounted_volume(
    compose: dict[str, Any], service_contracts: list[ServiceContract]
) -> None:
    """Folders the code writes to (documents, EWP keys, the data dir) survive the container."""
    for contract in service_contracts:
        for process in ("api", "worker"):
            service = _service(compose, f"{contract.slug}-{process}")
            mounts = [volume.split(":")[1] for volume in service["volumes"]]
            for name, value in service["environment"].items():
                if name.endswith("_DIR") and value.startswith("/"):
                    assert _covered(value, mounts), f"{contract.slug}-{process}: {name}={value} is not a volume"
