"""The worker's loop that runs due SIS synchronisations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from smile_common.service import Runtime
from smile_records.enrolments.sync import run_due
from smile_records.settings import RecordsSettings

_log = logging.getLogger("smile.records.enrolment")


def enrolment_loop(runtime: Runtime) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    settings = runtime.settings
    assert isinstance(settings, RecordsSettings)

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                while await run_due(runtime):
                    if stop.is_set():
                        return
            except Exception:  # the database may be down: try again at the next tick
                _log.exception("SIS synchronisation loop failed; retrying")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.enrolment_poll_seconds)

    return run
