"""The SIS of each university, built once per process from ``SMILE_SIS_CONFIG``."""

from __future__ import annotations

from smile_common.errors import Conflict
from smile_common.service import Runtime
from smile_records.settings import RecordsSettings
from smile_sis import EnrolmentPolicy, SisConfigurationError, SisRegistry, StudentInformationSystem

__all__ = ["SisNotConfigured", "sis_for", "sis_registry"]


class SisNotConfigured(Conflict):
    slug, title = "sis-not-configured", "No SIS is configured for this university"


_KEY = "sis_registry"


def sis_registry(runtime: Runtime) -> SisRegistry:
    """The runtime's registry (created on first use, closed with the runtime)."""
    registry = runtime.extras.get(_KEY)
    if registry is None:
        settings = runtime.settings
        assert isinstance(settings, RecordsSettings)
        registry = SisRegistry.from_setting(settings.sis_config, dev=settings.is_dev)
        runtime.extras[_KEY] = registry
        runtime.closers.append(registry.aclose)
    assert isinstance(registry, SisRegistry)
    return registry


def sis_for(runtime: Runtime, tenant: str) -> tuple[StudentInformationSystem, EnrolmentPolicy]:
    """The university's SIS and enrolment policy, or a 409 ``sis-not-configured`` for a request."""
    registry = sis_registry(runtime)
    try:
        return registry.for_tenant(tenant), registry.policy_for(tenant)
    except SisConfigurationError as exc:
        raise SisNotConfigured(f"{exc}: see SMILE_SIS_CONFIG (docs/sis.md)") from exc
