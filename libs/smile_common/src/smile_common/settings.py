"""Settings shared by every SMILE service.

Every service subclasses :class:`ServiceSettings`. Values come from the environment (prefix ``SMILE_``)
or from files mounted in ``SMILE_SECRETS_DIR`` (one file per setting, as Kubernetes and Docker secrets
are mounted). Two profiles exist:

* ``dev`` (the default): SQLite files under ``data_dir``, the in-process bus, a local token issuer;
* ``production``: PostgreSQL and RabbitMQ are required, the dev issuer is refused, and every secret must
  be given explicitly. A production process with a missing secret refuses to start.
"""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from smile_common.hardening.ratelimit import parse_rate

__all__ = ["Profile", "ServiceSettings", "SettingsError"]


class SettingsError(ValueError):
    """Raised when the configuration cannot run in the selected profile."""


class Profile(StrEnum):
    DEV = "dev"
    PRODUCTION = "production"


def _secrets_dir() -> str | None:
    path = os.environ.get("SMILE_SECRETS_DIR")
    return path if path and Path(path).is_dir() else None


class ServiceSettings(BaseSettings):
    """Configuration common to every service process (api, worker, migrate)."""

    model_config = SettingsConfigDict(
        env_prefix="SMILE_",
        extra="ignore",
        secrets_dir=_secrets_dir(),
        validate_default=True,
        # An empty variable means "not set" (compose's ``${VAR:-}`` and ConfigMaps listing every setting).
        env_ignore_empty=True,
    )

    #: name of the service; each subclass fixes it.
    service_name: ClassVar[str] = "smile"

    profile: Profile = Profile.DEV
    data_dir: Path = Path("var")
    #: SQLAlchemy URL. Empty in dev means a SQLite file ``<data_dir>/<service>.db``.
    database_url: SecretStr | None = None
    database_pool_size: int = Field(default=10, ge=1, le=200)
    #: AMQP URL of RabbitMQ. Empty in dev means the in-process bus.
    amqp_url: SecretStr | None = None
    amqp_exchange: str = "smile.events"
    amqp_prefetch: int = Field(default=32, ge=1, le=1000)
    consumer_max_attempts: int = Field(default=5, ge=1, le=100)
    consumer_concurrency: int = Field(default=8, ge=1, le=256)
    outbox_batch_size: int = Field(default=200, ge=1, le=5000)
    outbox_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    outbox_retention_days: int = Field(default=7, ge=0)

    #: OIDC issuer whose tokens the APIs accept (``iss`` claim).
    oidc_issuer: str | None = None
    #: where the issuer publishes its signing keys (JWKS).
    oidc_jwks_url: str | None = None
    oidc_audience: str = "smile"
    #: claim holding the roles; a dotted path reaches nested claims (``realm_access.roles``).
    oidc_roles_claim: str = "roles"
    oidc_tenant_claim: str = "hei"
    oidc_leeway_seconds: int = Field(default=60, ge=0, le=300)
    #: OAuth2 client-credentials used by this service to call the others (role ``service``).
    oidc_token_url: str | None = None
    service_client_id: str | None = None
    service_client_secret: SecretStr | None = None

    #: base URLs of the other services, e.g. ``{"catalogue": "http://catalogue-api:8000"}``.
    service_urls: dict[str, str] = Field(default_factory=dict)
    http_timeout_seconds: float = Field(default=10.0, gt=0)

    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    #: rate limits ("<n>/<second|minute|hour|day> [burst <b>]", empty: no limit), per process (see
    #: docs/security.md): requests without a token, per client address
    rate_limit_anonymous: str = "300/minute burst 60"
    #: requests with a token, per token
    rate_limit_authenticated: str = "1200/minute burst 200"
    #: failed authentications (401), per client address; once used up, that address's tokens get 429
    rate_limit_auth_failures: str = "30/minute burst 10"
    #: stricter limits per client address on some paths (prefix inside the service)
    rate_limit_paths: dict[str, str] = Field(default_factory=lambda: {"/data-protection/": "120/minute burst 30"})
    #: client networks never limited (CIDR), e.g. a frontend server that calls on behalf of many users
    rate_limit_exempt: list[str] = Field(default_factory=list)
    #: scheduled jobs (retention…) run in the worker; off only for debugging
    jobs_enabled: bool = True
    #: how often the worker looks for due jobs
    jobs_poll_seconds: float = Field(default=60.0, gt=0, le=3600)
    #: how often the retention job runs
    retention_every_hours: float = Field(default=24.0, gt=0)
    #: retention period overrides in days per kind of data, e.g. ``{"audit-trail": 180}`` (see
    #: GET /data-protection/retention for the kinds of each service)
    retention_days: dict[str, int] = Field(default_factory=dict)
    #: the services asked by data-subject requests (all five; a service not deployed would never answer)
    data_subject_services: list[str] = Field(
        default_factory=lambda: ["catalogue", "agreements", "records", "ewp_gateway", "indicators"]
    )
    #: services that have not answered a phase are asked again after this delay, doubling each time
    data_subject_resend_seconds: float = Field(default=300.0, gt=0)
    #: the legal deadline to answer a request (GDPR art. 12(3): one month)
    data_subject_due_days: int = Field(default=30, ge=1)
    #: Strict-Transport-Security max-age sent on every response (0: not sent)
    hsts_seconds: int = Field(default=31_536_000, ge=0)
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True
    #: the public base URL under which this service is reached (used in links).
    public_base_url: str = "http://127.0.0.1:8000"
    #: path prefix under which a reverse proxy exposes this service's API without stripping it (e.g.
    #: ``/catalogue`` behind an Ingress); requests with or without the prefix are both served.
    root_path: str = ""

    @field_validator("rate_limit_anonymous", "rate_limit_authenticated", "rate_limit_auth_failures")
    @classmethod
    def _rate_shape(cls, value: str) -> str:
        if value.strip():
            parse_rate(value)
        return value

    @field_validator("rate_limit_paths")
    @classmethod
    def _path_rates_shape(cls, value: dict[str, str]) -> dict[str, str]:
        for prefix, rate in value.items():
            if not prefix.startswith("/"):
                raise ValueError(f"rate limit path {prefix!r} must start with '/'")
            parse_rate(rate)
        return value

    @field_validator("rate_limit_exempt")
    @classmethod
    def _networks_shape(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)
        return value

    @field_validator("root_path")
    @classmethod
    def _root_path_shape(cls, value: str) -> str:
        if value and (not value.startswith("/") or value.endswith("/")):
            raise ValueError("SMILE_ROOT_PATH must be empty or start with '/' and not end with '/' (e.g. /catalogue)")
        return value

    @property
    def is_dev(self) -> bool:
        return self.profile is Profile.DEV

    @property
    def dev_issuer(self) -> str:
        return "smile-dev-issuer"

    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL to use, defaulting to the service's SQLite file in dev."""
        if self.database_url is not None and self.database_url.get_secret_value():
            return self.database_url.get_secret_value()
        path = (self.data_dir / f"{self.service_name}.db").resolve()
        return f"sqlite+aiosqlite:///{path}"

    def resolved_amqp_url(self) -> str | None:
        if self.amqp_url is None or not self.amqp_url.get_secret_value():
            return None
        return self.amqp_url.get_secret_value()

    @model_validator(mode="after")
    def _production_needs_real_infrastructure(self) -> ServiceSettings:
        if self.profile is Profile.PRODUCTION:
            self.check_production()
        return self

    def check_production(self) -> None:
        """Refuse to run in production with anything missing; subclasses extend it."""
        missing = [name for name in self.required_in_production() if not _has_value(getattr(self, name))]
        if missing:
            raise SettingsError(
                "production profile: missing settings " + ", ".join(f"SMILE_{m.upper()}" for m in missing)
            )
        url = self.resolved_database_url()
        if not url.startswith("postgresql"):
            raise SettingsError("production profile: SMILE_DATABASE_URL must point at PostgreSQL")
        if self.oidc_issuer == self.dev_issuer:
            raise SettingsError("production profile: the dev token issuer is not allowed")

    def required_in_production(self) -> list[str]:
        return ["database_url", "amqp_url", "oidc_issuer", "oidc_jwks_url"]


def _has_value(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)
