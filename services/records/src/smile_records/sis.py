"""The SIS of each university, built once per process from ``SMILE_SIS_CONFIG``."""

from __future__ import annotations

from smile_common.service import Runtime
from smile_records.settings import RecordsSettings
from smile_sis import SisRegistry

__all__ = ["sis_registry"]

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
