"""The catalogue as the shared plumbing sees it."""

from __future__ import annotations

from pathlib import Path

from smile_catalogue import models as _models  # noqa: F401  (registers the tables)
from smile_catalogue import privacy, seed
from smile_catalogue.baskets import endpoints as baskets
from smile_catalogue.courses import endpoints as courses
from smile_catalogue.db import data_protection, metadata, outbox, tables
from smile_catalogue.factsheet import endpoints as factsheet
from smile_catalogue.imports import endpoints as imports
from smile_catalogue.imports.cli import COMMANDS
from smile_catalogue.imports.loop import import_loop
from smile_catalogue.institution import endpoints as institution
from smile_catalogue.internal import endpoints as internal
from smile_catalogue.search import endpoints as search
from smile_catalogue.settings import CatalogueSettings
from smile_common.dataprotection import DataProtection
from smile_common.service import ServiceDefinition
from smile_common.settings import ServiceSettings


def _body_limits(settings: ServiceSettings) -> dict[str, int]:
    assert isinstance(settings, CatalogueSettings)
    return {"/imports": settings.catalogue_import_max_bytes + 1024}


DEFINITION = ServiceDefinition(
    name="catalogue",
    title="SMILE catalogue",
    description=(
        "The courses a university opens to exchange students: editing and publication by staff, public "
        "search for students. Errors are `application/problem+json` (RFC 9457)."
    ),
    version="0.1.0",
    settings_cls=CatalogueSettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    data_protection=DataProtection(
        tables=data_protection, retention=privacy.retention_rules, subjects=privacy.person_data
    ),
    routers=lambda: [
        institution.router,
        search.router,
        courses.router,
        factsheet.router,
        baskets.router,
        imports.router,
        internal.router,
    ],
    background=lambda runtime: [import_loop(runtime)],
    commands=COMMANDS,
    body_limits=_body_limits,
    seed=seed.load_demo_data,
    openapi_tags=[
        {"name": "search", "description": "Public search of the courses open to exchange students"},
        {"name": "courses", "description": "Editing and publication of courses"},
        {"name": "institution", "description": "The university, its units, academic years, terms, programmes"},
        {"name": "factsheet", "description": "What incoming students need to know before applying"},
        {"name": "baskets", "description": "Students' course baskets, checked rule by rule"},
        {"name": "imports", "description": "Loading the offer from files (CSV, JSON, Apogée) and the SIS"},
        {"name": "internal", "description": "Reads for the EWP gateway (service role)"},
    ],
)
