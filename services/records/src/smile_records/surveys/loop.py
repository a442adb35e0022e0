"""The worker's loop that sends surveys to students whose mobility ended."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from smile_common.db import utcnow
from smile_common.service import Runtime
from smile_records.settings import RecordsSettings
from smile_records.surveys.service import invite_due

_log = logging.getLogger("smile.records.surveys")


async def send_due_surveys(runtime: Runtime) -> int:
    async with runtime.database.sessionmaker() as session, session.begin():
        return await invite_due(session, utcnow().date())


def survey_loop(runtime: Runtime) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    settings = runtime.settings
    assert isinstance(settings, RecordsSettings)

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await send_due_surveys(runtime)
                if sent:
                    _log.info("sent %d surveys", sent)
            except Exception:
                _log.exception("sending surveys failed; retrying at the next tick")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.survey_poll_seconds)

    return run
