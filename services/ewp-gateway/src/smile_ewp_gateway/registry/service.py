"""The registry catalogue as every gateway process sees it: fetched, cached, shared, kept when the registry is down.

The worker refreshes the catalogue (conditional requests, between 1 minute and 3 hours) and stores the
last good copy in the database; API processes load that copy and look for a newer one at most once a
minute. When the registry cannot be reached or serves something invalid, the last good copy is kept
for ``ewp_registry_stale_days``; past that the gateway refuses partners' requests (503) rather than
trust keys that may have been withdrawn.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db.engine import Database
from smile_ewp_gateway.db import RegistrySnapshot
from smile_ewp_gateway.registry.catalogue import Catalogue
from smile_ewp_gateway.settings import EwpGatewaySettings
from smile_ewp_gateway.xmlkit import SchemaError, XmlError

__all__ = ["RefreshOutcome", "RegistryService", "RegistryUnavailable"]

_log = logging.getLogger("smile.ewp.registry")
_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)")
#: called in the transaction that stores a new catalogue (e.g. to announce changed institutions).
OnNewCatalogue = Callable[[AsyncSession, Catalogue], Awaitable[object]]


class RegistryUnavailable(Exception):  # noqa: N818 - reads as "the registry is unavailable"
    """No catalogue, or only one too old to be trusted."""


@dataclass(frozen=True)
class RefreshOutcome:
    status: str  # "updated" | "not-modified" | "failed"
    detail: str = ""


class RegistryService:
    def __init__(
        self,
        settings: EwpGatewaySettings,
        database: Database,
        http: Callable[[], httpx.AsyncClient],
        *,
        on_new_catalogue: OnNewCatalogue | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.http = http
        self.on_new_catalogue = on_new_catalogue
        self.url = settings.registry_url()
        self.current: Catalogue | None = None
        self._digest: str | None = None
        self._fetched_at: datetime | None = None
        self._max_age: int | None = None
        self._db_checked = 0.0
        self._lock = asyncio.Lock()

    # --- reading ----------------------------------------------------------------------------------
    async def catalogue(self) -> Catalogue:
        """The catalogue to use now; raise :class:`RegistryUnavailable` when there is none to trust."""
        if self.current is None or time.monotonic() - self._db_checked > 60:
            await self.load()
        if self.current is None:
            outcome = await self.refresh()
            if self.current is None:
                raise RegistryUnavailable(f"no registry catalogue yet ({outcome.detail})")
        if self._fetched_at is not None and datetime.now(UTC) - self._fetched_at > timedelta(
            days=self.settings.ewp_registry_stale_days
        ):
            raise RegistryUnavailable(f"the registry catalogue was last confirmed on {self._fetched_at:%Y-%m-%d}")
        return self.current

    async def load(self) -> None:
        """Pick up the copy stored in the database, if newer than the one in memory."""
        async with self._lock:
            self._db_checked = time.monotonic()
            async with self.database.sessionmaker() as session:
                row = await session.get(RegistrySnapshot, self.url)
            if row is None or row.body is None:
                return
            self._fetched_at = row.fetched_at
            self._max_age = row.max_age
            if row.digest != self._digest:
                try:
                    self.current = Catalogue.from_bytes(row.body, validate=False)
                    self._digest = row.digest
                except XmlError:
                    _log.exception("the stored registry catalogue cannot be read")

    async def status(self) -> dict[str, object]:
        async with self.database.sessionmaker() as session:
            row = await session.get(RegistrySnapshot, self.url)
        return {
            "url": self.url,
            "fetched_at": row.fetched_at if row else None,
            "checked_at": row.checked_at if row else None,
            "last_error": row.last_error if row else None,
            "hosts": len(self.current.hosts) if self.current else 0,
            "institutions": len(self.current.institutions) if self.current else 0,
        }

    def refresh_interval(self) -> float:
        """Seconds until the next refresh: the setting, shortened to the registry's max-age, within 1 min .. 3 h."""
        interval = float(self.settings.ewp_registry_refresh_seconds)
        if self._max_age:
            interval = min(interval, float(self._max_age))
        return max(60.0, min(interval, 3 * 3600.0))

    # --- fetching ---------------------------------------------------------------------------------
    async def refresh(self) -> RefreshOutcome:
        """Fetch the catalogue (conditionally) and store it if it changed; never lose the last good copy."""
        async with self.database.sessionmaker() as session:
            row = await session.get(RegistrySnapshot, self.url)
        headers = {"Accept-Encoding": "identity"}
        if row is not None and row.body is not None:
            if row.etag:
                headers["If-None-Match"] = row.etag
            if row.last_modified:
                headers["If-Modified-Since"] = row.last_modified
        try:
            async with self.http() as client:
                response = await client.get(self.url, headers=headers)
        except httpx.HTTPError as exc:
            return await self._record_failure(f"registry unreachable: {type(exc).__name__}: {exc}")
        if response.status_code == 304 and row is not None and row.body is not None:
            return await self._store(row.body, response, changed=False)
        if response.status_code != 200:
            return await self._record_failure(f"registry answered HTTP {response.status_code}")
        try:
            catalogue = Catalogue.from_bytes(response.content)
        except (XmlError, SchemaError) as exc:
            return await self._record_failure(f"the registry served an invalid catalogue: {exc}")
        return await self._store(response.content, response, changed=True, catalogue=catalogue)

    async def _store(
        self, body: bytes, response: httpx.Response, *, changed: bool, catalogue: Catalogue | None = None
    ) -> RefreshOutcome:
        now = datetime.now(UTC)
        digest = hashlib.sha256(body).hexdigest()
        match = _MAX_AGE.search(response.headers.get("cache-control", ""))
        changed = changed and digest != self._digest
        async with self.database.sessionmaker() as session, session.begin():
            row = await session.get(RegistrySnapshot, self.url)
            if row is None:
                row = RegistrySnapshot(url=self.url, checked_at=now)
                session.add(row)
            if changed or row.body is None:
                row.body, row.digest = body, digest
            if "etag" in response.headers or changed:
                row.etag = response.headers.get("etag")
            if "last-modified" in response.headers or changed:
                row.last_modified = response.headers.get("last-modified")
            row.max_age = int(match.group(1)) if match else None
            row.fetched_at = row.checked_at = now
            row.last_error = None
            if changed and catalogue is not None and self.on_new_catalogue is not None:
                await self.on_new_catalogue(session, catalogue)
        if changed and catalogue is not None:
            self.current, self._digest = catalogue, digest
        self._fetched_at, self._max_age = now, row.max_age
        return RefreshOutcome("updated" if changed else "not-modified")

    async def _record_failure(self, detail: str) -> RefreshOutcome:
        _log.warning("registry refresh failed, keeping the last good catalogue: %s", detail)
        now = datetime.now(UTC)
        async with self.database.sessionmaker() as session, session.begin():
            row = await session.get(RegistrySnapshot, self.url)
            if row is None:
                session.add(RegistrySnapshot(url=self.url, checked_at=now, last_error=detail))
            else:
                row.checked_at, row.last_error = now, detail
        return RefreshOutcome("failed", detail)

    async def run(self, stop: asyncio.Event) -> None:
        """The worker loop: refresh, then wait the refresh interval (or one minute after a failure)."""
        while not stop.is_set():
            try:
                outcome = await self.refresh()
            except Exception:
                _log.exception("registry refresh crashed")
                outcome = RefreshOutcome("failed")
            delay = 60.0 if outcome.status == "failed" else self.refresh_interval()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    def invalidate(self) -> None:
        self._db_checked = 0.0
