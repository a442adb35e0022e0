from __future__ import annotations

from typing import ClassVar

from smile_common.settings import ServiceSettings


class IndicatorsSettings(ServiceSettings):
    service_name: ClassVar[str] = "indicators"
