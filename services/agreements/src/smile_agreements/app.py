"""``create_app()``: the agreements service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from smile_agreements.definition import DEFINITION
from smile_agreements.settings import AgreementsSettings
from smile_common.service import Runtime, bootstrap, create_service_app


def create_app(settings: AgreementsSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    owns = runtime is None
    runtime = runtime or bootstrap(DEFINITION, settings)
    return create_service_app(DEFINITION, runtime, owns_runtime=owns)
