"""Settings of the indicators service (``SMILE_INDICATORS_*`` on top of the shared ``SMILE_*``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from smile_common.security import Role
from smile_common.settings import ServiceSettings


class IndicatorsSettings(ServiceSettings):
    service_name: ClassVar[str] = "indicators"

    #: most events the projector applies in one transaction.
    indicators_batch_size: int = Field(default=200, ge=1, le=5000)
    #: how long the projector waits for more deliveries before applying a batch.
    indicators_batch_linger_ms: float = Field(default=2.0, ge=0, le=1000)
    #: deliveries the projector takes at once (RabbitMQ prefetch); batches form from them, so this bounds
    #: the batch size when events queue up (64 capped the projector at 500 events/s on a loaded machine).
    indicators_projector_concurrency: int = Field(default=400, ge=1, le=1000)
    #: roles allowed to read the crisis roster (names and contact details of students).
    indicators_roster_roles: list[Role] = Field(default_factory=lambda: [Role.COORDINATOR, Role.ADMIN])
    #: key of the pseudonyms in anonymised exports (keep it secret and stable: changing it breaks joins
    #: across exports made before and after).
    indicators_pseudonym_key: SecretStr | None = None

    def pseudonym_key(self) -> bytes:
        """The pseudonym key; in dev, a fixed one (the dev profile holds no real personal data)."""
        if self.indicators_pseudonym_key is not None and self.indicators_pseudonym_key.get_secret_value():
            return self.indicators_pseudonym_key.get_secret_value().encode()
        return b"smile-dev-only-pseudonym-key"

    def required_in_production(self) -> list[str]:
        return [*super().required_in_production(), "indicators_pseudonym_key"]
