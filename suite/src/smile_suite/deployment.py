"""What every deployment of the suite must provide, derived from the services' code.

docker-compose, the Kubernetes manifests and the operations guide are written by hand; CI compares them
with this contract, so that a service, a setting or a call added to the code cannot be forgotten there:

* each service runs as ``smile-<slug> api`` (port :data:`API_PORT`), ``smile-<slug> worker`` (health port
  :data:`WORKER_HEALTH_PORT`) and ``smile-<slug> migrate``;
* it reads every ``SMILE_*`` variable of its settings class; :class:`~pydantic.SecretStr` ones are secrets
  (Kubernetes Secret, mounted in ``SMILE_SECRETS_DIR``), the others configuration (ConfigMap);
* it is served under its mount path (``/catalogue``...), which is also its ``SMILE_ROOT_PATH`` behind the
  shared entrance, and its PostgreSQL role is ``smile_<schema>``;
* it calls the services named in ``ServiceDefinition.calls`` (and only those: NetworkPolicies).
"""

from __future__ import annotations

import json
import typing
from dataclasses import asdict, dataclass

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from smile_common.service import ServiceDefinition
from smile_common.settings import ServiceSettings
from smile_suite.registry import SERVICES

__all__ = [
    "API_PORT",
    "PROCESS_VARIABLES",
    "WORKER_HEALTH_PORT",
    "ServiceContract",
    "contract_json",
    "contracts",
    "setting_variables",
]

API_PORT = 8000
WORKER_HEALTH_PORT = 8001
#: variables read outside the settings classes (by the settings machinery itself)
PROCESS_VARIABLES = frozenset({"SMILE_SECRETS_DIR"})


@dataclass(frozen=True)
class ServiceContract:
    name: str
    """the service's name in the code and in ``SMILE_SERVICE_URLS`` (``ewp_gateway``)"""
    slug: str
    """its name in commands, containers and DNS (``ewp-gateway``)"""
    command: str
    schema: str
    database_role: str
    mount: str
    calls: tuple[str, ...]
    configuration: tuple[str, ...]
    secrets: tuple[str, ...]

    @property
    def api(self) -> str:
        return f"{self.slug}-api"

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(self.configuration) | frozenset(self.secrets)


def _is_secret(field: FieldInfo) -> bool:
    annotation = field.annotation
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def setting_variables(settings_cls: type[ServiceSettings]) -> tuple[list[str], list[str]]:
    """(configuration, secrets): the environment variables a settings class reads."""
    prefix = settings_cls.model_config.get("env_prefix", "")
    configuration: list[str] = []
    secrets: list[str] = []
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
        variable = (alias or f"{prefix}{name}").upper()
        (secrets if _is_secret(field) else configuration).append(variable)
    return sorted(configuration), sorted(secrets)


def _contract(mount: str, definition: ServiceDefinition) -> ServiceContract:
    slug = definition.name.replace("_", "-")
    schema = definition.metadata.schema or definition.name
    configuration, secrets = setting_variables(definition.settings_cls)
    return ServiceContract(
        name=definition.name,
        slug=slug,
        command=f"smile-{slug}",
        schema=schema,
        database_role=f"smile_{schema}",
        mount=mount,
        calls=tuple(sorted(definition.calls)),
        configuration=tuple(configuration),
        secrets=tuple(secrets),
    )


def contracts() -> list[ServiceContract]:
    """The contract of every service of the suite, in the registry's order."""
    return [_contract(mount, definition) for mount, definition in SERVICES]


def contract_json() -> str:
    """The contract as JSON (``smile deployment-contract``): for scripts and for operators' own tooling."""
    return json.dumps(
        {
            "api_port": API_PORT,
            "worker_health_port": WORKER_HEALTH_PORT,
            "process_variables": sorted(PROCESS_VARIABLES),
            "services": [asdict(c) for c in contracts()],
        },
        indent=2,
    )
