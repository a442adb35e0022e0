"""``create_app()``: the indicators service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from smile_common.service import Runtime, bootstrap, create_service_app
from smile_indicators.definition import DEFINITION
from smile_indicators.settings import IndicatorsSettings


def create_app(settings: IndicatorsSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    owns = runtime is None
    runtime = runtime or bootstrap(DEFINITION, settings)
    return create_service_app(DEFINITION, runtime, owns_runtime=owns)
