"""The worker's loop that runs queued imports, one at a time per worker process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from smile_catalogue.imports.service import claim_next, run_job, wake_event
from smile_catalogue.settings import CatalogueSettings
from smile_common.service import Runtime

_log = logging.getLogger("smile.catalogue.imports")


def import_loop(runtime: Runtime) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    settings = runtime.settings
    assert isinstance(settings, CatalogueSettings)
    wake = wake_event(runtime)

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            wake.clear()
            try:
                while (job_id := await claim_next(runtime)) is not None:
                    await run_job(runtime, job_id)
                    if stop.is_set():
                        return
            except Exception:  # the database may be down: try again at the next tick
                _log.exception("import loop failed; retrying")
            stopping = asyncio.ensure_future(stop.wait())
            woken = asyncio.ensure_future(wake.wait())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait(
                    {stopping, woken}, timeout=settings.catalogue_import_poll_seconds, return_when="FIRST_COMPLETED"
                )
            for task in (stopping, woken):
                task.cancel()

    return run
