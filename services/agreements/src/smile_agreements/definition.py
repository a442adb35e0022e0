"""The agreements service as the shared plumbing sees it."""

from __future__ import annotations

from pathlib import Path

from smile_agreements import privacy, seed, worker
from smile_agreements.db import data_protection, metadata, outbox, tables
from smile_agreements.files import endpoints as files
from smile_agreements.files import models as _file_models  # noqa: F401  (registers the tables)
from smile_agreements.iias import copies_endpoints as iia_copies
from smile_agreements.iias import directory as _iia_directory  # noqa: F401  (registers the IIA port)
from smile_agreements.iias import endpoints as iias
from smile_agreements.iias import internal as iias_internal
from smile_agreements.iias import models as _iia_models  # noqa: F401  (registers the tables)
from smile_agreements.learning_agreements import endpoints as learning_agreements
from smile_agreements.learning_agreements import internal as learning_agreements_internal
from smile_agreements.learning_agreements import models as _la_models  # noqa: F401  (registers the tables)
from smile_agreements.mobilities import endpoints as mobilities
from smile_agreements.mobilities import internal as mobilities_internal
from smile_agreements.mobilities import models as _mobility_models  # noqa: F401  (registers the tables)
from smile_agreements.notifications import endpoints as notifications
from smile_agreements.notifications import models as _notification_models  # noqa: F401  (registers the tables)
from smile_agreements.partners import endpoints as partners
from smile_agreements.partners import models as _partner_models  # noqa: F401  (registers the tables)
from smile_agreements.settings import AgreementsSettings
from smile_agreements.support import endpoints as support
from smile_agreements.support import models as _support_models  # noqa: F401  (registers the tables)
from smile_common.dataprotection import DataProtection
from smile_common.service import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="agreements",
    title="SMILE agreements",
    description="SMILE agreements: partner institutions, IIAs, nominations, learning agreements.",
    version="0.1.0",
    settings_cls=AgreementsSettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=lambda: [
        partners.router,
        iias.router,
        iia_copies.router,
        iias_internal.router,
        mobilities.router,
        files.router,
        support.router,
        learning_agreements.router,
        notifications.router,
        mobilities_internal.router,
        learning_agreements_internal.router,
    ],
    consumers=worker.consumers,
    data_protection=DataProtection(
        tables=data_protection, retention=privacy.retention_rules, subjects=privacy.person_data
    ),
    seed=seed.load_demo_data,
    openapi_tags=[
        {"name": "partners", "description": "Partner institutions and the EWP directory"},
        {"name": "iias", "description": "Inter-institutional agreements (EWP IIAs v7)"},
        {"name": "mobilities", "description": "Nominations and incoming mobilities"},
        {"name": "files", "description": "The incoming student's application file: steps, documents, messages"},
        {
            "name": "support needs",
            "description": "A student's support needs (disability, health): the student and the disability office only",
        },
        {"name": "learning agreements", "description": "Learning agreements: versions, signatures, PDF"},
        {"name": "notifications", "description": "Emails sent (or, in dev, stored) by the mailer"},
        {"name": "internal", "description": "Reads and commands for other SMILE services (service role)"},
    ],
)
