"""``create_app()``: the records service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from smile_common.service import Runtime, bootstrap, create_service_app
from smile_records.definition import DEFINITION
from smile_records.settings import RecordsSettings


def create_app(settings: RecordsSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    owns = runtime is None
    runtime = runtime or bootstrap(DEFINITION, settings)
    return create_service_app(DEFINITION, runtime, owns_runtime=owns)
