"""The consumers and background loops of the records service."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from smile_common.events import Consumer
from smile_common.service import Runtime
from smile_records.courses import handlers as course_handlers
from smile_records.enrolments.loop import enrolment_loop
from smile_records.sis import sis_registry
from smile_records.students import handlers as mobility_handlers
from smile_records.surveys.loop import survey_loop


def consumers(runtime: Runtime) -> Sequence[Consumer]:
    agreements = Consumer("records.agreements", runtime.database, runtime.definition.tables)
    mobility_handlers.register(agreements)
    catalogue = Consumer("records.catalogue", runtime.database, runtime.definition.tables)
    course_handlers.register(catalogue)
    return [agreements, catalogue]


def background(runtime: Runtime) -> Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]]:
    sis_registry(runtime)  # a SIS configuration that cannot be used stops the worker now, saying why
    return [enrolment_loop(runtime), survey_loop(runtime)]
