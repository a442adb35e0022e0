"""Settings of the EWP gateway (``SMILE_EWP_*``), on top of every service's settings."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smile_common.settings import ServiceSettings, SettingsError

__all__ = ["CoveredHei", "EwpGatewaySettings"]

#: the demo university of ``make run``.
DEMO_HEI = "unicaen.fr"


class CoveredHei(BaseModel):
    """A university SMILE represents on the EWP network (its own manifest, keys and URLs)."""

    model_config = ConfigDict(extra="forbid")

    hei_id: str = Field(description="SCHAC code, e.g. unicaen.fr")
    names: dict[str, str] = Field(default_factory=dict, description="Names by language code")
    #: other identifiers published in the manifest: ``pic``, ``erasmus``, ``erasmus-charter``...
    other_ids: dict[str, str] = Field(default_factory=dict)
    #: role addresses (never a person's) for this host's manifest; the gateway's default otherwise.
    admin_emails: list[str] = Field(default_factory=list)

    @field_validator("hei_id")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        return value.strip().lower()


class EwpGatewaySettings(ServiceSettings):
    service_name: ClassVar[str] = "ewp_gateway"

    #: public HTTPS base URL of the gateway's EWP endpoints (manifests, APIs), e.g. https://smile.univ.fr/ewp.
    #: Empty: ``SMILE_PUBLIC_BASE_URL`` + ``/ewp`` (the all-in-one process mounts the gateway there).
    ewp_base_url: str | None = None
    #: the registry catalogue; empty in dev = the demo registry served by the gateway itself.
    ewp_registry_url: str | None = None
    #: how often the catalogue is refreshed (clamped to 1 min .. 3 h; the registry's max-age is used if shorter).
    ewp_registry_refresh_seconds: int = Field(default=900, ge=60, le=10800)
    #: how long the last good catalogue is trusted when the registry cannot be reached.
    ewp_registry_stale_days: int = Field(default=7, ge=1)
    ewp_heis: list[CoveredHei] = Field(default_factory=list)
    #: private keys (PEM) of each covered university: ``<dir>/<hei_id>/{client,server}-*.pem``.
    ewp_keys_dir: Path | None = None
    ewp_admin_emails: list[str] = Field(default_factory=list)
    ewp_admin_provider: str = "SMILE"
    ewp_admin_notes: str | None = None
    #: response date header that is signed. ``original-date`` survives proxies that rewrite ``Date``.
    ewp_response_date_header: Literal["original-date", "date"] = "original-date"
    #: ``max-*`` limits published in the manifests and enforced.
    ewp_max_ids: int = Field(default=100, ge=1, le=1000)
    ewp_timeout_seconds: float = Field(default=30.0, gt=0)
    #: extra CA certificates (PEM) trusted for partners and the registry (e.g. a test CA); system CAs otherwise.
    ewp_ca_file: Path | None = None
    #: CNRs SMILE sends: batch window, retries and expiry.
    ewp_cnr_batch_seconds: float = Field(default=5.0, ge=0, le=300)
    ewp_cnr_expire_hours: float = Field(default=24.0, gt=0)
    ewp_retry_base_seconds: float = Field(default=30.0, gt=0)
    ewp_retry_max_seconds: float = Field(default=3600.0, gt=0)
    ewp_worker_poll_seconds: float = Field(default=2.0, gt=0)
    #: periodic ``index?modified_since=`` resync of partners' IIAs, nominations and LAs (0: off).
    ewp_resync_hours: float = Field(default=6.0, ge=0)
    #: traffic log retention; archived exchanges (approvals, decisions) are kept longer.
    ewp_traffic_retention_days: int = Field(default=90, ge=1)
    ewp_archive_retention_days: int = Field(default=3650, ge=1)
    #: bodies above this size are not kept in the traffic log (except archived exchanges).
    ewp_traffic_body_max_bytes: int = Field(default=64 * 1024, ge=0)
    #: TLS for ``smile-ewp-gateway api`` (so that partners and tests reach the manifest URLs over HTTPS).
    ewp_tls_cert_file: Path | None = None
    ewp_tls_key_file: Path | None = None
    #: serve the demo partner node and demo registry (dev only; ``make run``'s EWP demo).
    ewp_demo: bool = True

    @property
    def base_url(self) -> str:
        base = self.ewp_base_url or f"{self.public_base_url.rstrip('/')}/ewp"
        return base.rstrip("/")

    @property
    def base_host(self) -> str:
        return urlsplit(self.base_url).netloc

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path.rstrip("/")

    @property
    def keys_dir(self) -> Path:
        return self.ewp_keys_dir or self.data_dir / "ewp-keys"

    @property
    def covered_heis(self) -> list[CoveredHei]:
        if self.ewp_heis or not self.is_dev:
            return self.ewp_heis
        return [
            CoveredHei(
                hei_id=DEMO_HEI,
                names={"fr": "Université de Caen Normandie", "en": "University of Caen Normandy"},
                other_ids={"erasmus": "F  CAEN01"},
                admin_emails=["ewp-admin@unicaen.fr"],
            )
        ]

    def covered(self, hei_id: str) -> CoveredHei | None:
        return next((h for h in self.covered_heis if h.hei_id == hei_id), None)

    @property
    def demo_enabled(self) -> bool:
        """The demo network runs in dev when no real registry is configured."""
        return self.is_dev and self.ewp_demo and not self.ewp_registry_url

    def registry_url(self) -> str:
        return self.ewp_registry_url or f"{self.base_url}/demo/registry/catalogue-v1.xml"

    def check_production(self) -> None:
        super().check_production()
        if not self.ewp_heis:
            raise SettingsError("production profile: SMILE_EWP_HEIS must list the universities on EWP")
        if not self.ewp_registry_url:
            raise SettingsError("production profile: SMILE_EWP_REGISTRY_URL is required")
        if not self.base_url.startswith("https://"):
            raise SettingsError("production profile: the EWP base URL must be https:// (manifests require it)")
