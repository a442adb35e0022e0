"""The consumers of the agreements service."""

from __future__ import annotations

from collections.abc import Sequence

from smile_agreements.iias.handlers import iia_consumer
from smile_agreements.learning_agreements.handlers import LaHandlers
from smile_agreements.mobilities.ewp_handlers import EwpNominations
from smile_agreements.notifications.mailer import Mailer
from smile_agreements.settings import AgreementsSettings
from smile_common.events import Consumer
from smile_common.service import Runtime


def consumers(runtime: Runtime) -> Sequence[Consumer]:
    settings = runtime.settings
    assert isinstance(settings, AgreementsSettings)
    mobility = Consumer("agreements.mobility", runtime.database, runtime.definition.tables)
    EwpNominations(settings).register(mobility)
    mailer = Consumer("agreements.mailer", runtime.database, runtime.definition.tables)
    Mailer(settings).register(mailer)
    learning = Consumer("agreements.learning_agreements", runtime.database, runtime.definition.tables)
    LaHandlers(settings).register(learning)
    return [mobility, mailer, learning, iia_consumer(runtime.database, runtime.definition.tables)]
