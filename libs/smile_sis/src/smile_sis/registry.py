"""Which SIS each university uses: one configuration per tenant (and a default), adapters built once.

The configuration is JSON, given inline or as the path of a file::

    {"default": {"kind": "memory", "dataset": "demo"},
     "tenants": {"unicaen.fr": {"kind": "pegase", "instance": "pilote-unicaen", "structure_code": "ETAB00",
                                "username": "svc-api", "password_file": "/run/secrets/pegase-unicaen",
                                "enrolment": {"regime_code": "REG-ECH", ...}},
                 "univ-x.fr": {"kind": "files", "directory": "/srv/smile/sis/univ-x"}}}

Passwords are never written in the JSON itself: ``password_file`` (a mounted secret) or
``password_env`` (the name of an environment variable) say where to read them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from pydantic import Field, TypeAdapter

from smile_sis.demo import demo_policy, load_demo
from smile_sis.files import FilesConfig, FilesSIS
from smile_sis.interface import StudentInformationSystem
from smile_sis.memory import InMemorySIS
from smile_sis.pegase import PegaseConfig, PegaseSIS
from smile_sis.policy import EnrolmentPolicy, SisConfigBase

__all__ = ["MemoryConfig", "SisConfig", "SisConfigurationError", "SisRegistry", "parse_sis_config"]


class SisConfigurationError(ValueError):
    """The SIS configuration cannot be used."""


class MemoryConfig(SisConfigBase):
    kind: Literal["memory"] = "memory"
    #: ``demo`` loads the demo university's periods, offer and grade history
    dataset: Literal["demo", "empty"] = "empty"


SisConfig = Annotated[PegaseConfig | FilesConfig | MemoryConfig, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[PegaseConfig | FilesConfig | MemoryConfig] = TypeAdapter(SisConfig)


def _resolve_secrets(raw: dict[str, Any]) -> dict[str, Any]:
    raw = dict(raw)
    if "password_file" in raw:
        raw["password"] = Path(raw.pop("password_file")).read_text(encoding="utf-8").strip()
    if "password_env" in raw:
        name = raw.pop("password_env")
        if name not in os.environ:
            raise SisConfigurationError(f"environment variable {name} (password_env) is not set")
        raw["password"] = os.environ[name]
    return raw


def parse_sis_config(raw: Mapping[str, Any]) -> PegaseConfig | FilesConfig | MemoryConfig:
    try:
        return _ADAPTER.validate_python(_resolve_secrets(dict(raw)))
    except (OSError, ValueError) as exc:
        raise SisConfigurationError(f"invalid SIS configuration: {exc}") from exc


class SisRegistry:
    """The SIS adapter of each tenant. Adapters are created on first use and reused."""

    def __init__(
        self,
        tenants: Mapping[str, PegaseConfig | FilesConfig | MemoryConfig] | None = None,
        default: PegaseConfig | FilesConfig | MemoryConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.tenants = {k.lower(): v for k, v in (tenants or {}).items()}
        self.default = default
        self._transport = transport
        self._adapters: dict[str, StudentInformationSystem] = {}

    @classmethod
    def from_setting(cls, value: str | None, *, dev: bool = True) -> SisRegistry:
        """From ``SMILE_SIS_CONFIG`` (inline JSON or a file path); empty means the demo SIS in dev."""
        if not value or not value.strip():
            return cls(default=MemoryConfig(dataset="demo", enrolment=demo_policy()) if dev else None)
        text = value.strip()
        if not text.startswith("{"):
            try:
                text = Path(text).read_text(encoding="utf-8")
            except OSError as exc:
                raise SisConfigurationError(f"cannot read the SIS configuration file {value}: {exc}") from exc
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise SisConfigurationError(f"the SIS configuration is not valid JSON: {exc}") from exc
        tenants = {k: parse_sis_config(v) for k, v in (document.get("tenants") or {}).items()}
        default = parse_sis_config(document["default"]) if document.get("default") else None
        return cls(tenants, default)

    def config_for(self, tenant: str) -> PegaseConfig | FilesConfig | MemoryConfig:
        config = self.tenants.get(tenant.lower(), self.default)
        if config is None:
            raise SisConfigurationError(f"no SIS is configured for {tenant}")
        return config

    def policy_for(self, tenant: str) -> EnrolmentPolicy:
        return self.config_for(tenant).enrolment

    def for_tenant(self, tenant: str) -> StudentInformationSystem:
        key = tenant.lower()
        if key not in self._adapters:
            self._adapters[key] = self._build(self.config_for(key))
        return self._adapters[key]

    def install(self, tenant: str, sis: StudentInformationSystem) -> None:
        """Use ``sis`` for ``tenant`` (tests, or an adapter built by hand)."""
        self._adapters[tenant.lower()] = sis

    def _build(self, config: PegaseConfig | FilesConfig | MemoryConfig) -> StudentInformationSystem:
        if isinstance(config, PegaseConfig):
            return PegaseSIS(config, transport=self._transport)
        if isinstance(config, FilesConfig):
            return FilesSIS(config)
        sis = InMemorySIS()
        return load_demo(sis) if config.dataset == "demo" else sis

    async def aclose(self) -> None:
        for adapter in self._adapters.values():
            await adapter.aclose()
        self._adapters.clear()
