from __future__ import annotations

from typing import ClassVar

from smile_common.settings import ServiceSettings


class AgreementsSettings(ServiceSettings):
    service_name: ClassVar[str] = "agreements"
