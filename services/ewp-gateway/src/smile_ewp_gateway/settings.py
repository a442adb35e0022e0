from __future__ import annotations

from typing import ClassVar

from smile_common.settings import ServiceSettings


class EwpGatewaySettings(ServiceSettings):
    service_name: ClassVar[str] = "ewp_gateway"
