from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from smile_common.settings import ServiceSettings


class CatalogueSettings(ServiceSettings):
    service_name: ClassVar[str] = "catalogue"

    #: search results (and other public reads) kept in memory per process, by university and revision
    catalogue_search_cache_size: int = Field(default=2000, ge=0, le=100_000)
    #: how public searches run: ``memory`` (an index of each university's published courses kept in each api
    #: process, rebuilt in the background when the catalogue changes; the database answers meanwhile) or
    #: ``database`` (every search is SQL)
    catalogue_search_index: Literal["memory", "database"] = "memory"
    #: universities whose index a process keeps at most (the least recently searched is dropped first)
    catalogue_search_index_tenants: int = Field(default=4, ge=1, le=1000)
    #: an index not searched for this long is dropped (rebuilt at the next search)
    catalogue_search_index_idle_seconds: float = Field(default=3600, gt=0)
    #: largest file accepted by ``POST /imports`` (the command line has no limit)
    catalogue_import_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    #: which SIS each university uses, for ``POST /imports/sis`` (JSON, or the path of a JSON file; the same
    #: document as the records service's). Empty: the demo SIS in dev, none elsewhere.
    sis_config: str | None = None
    #: how often the worker looks for queued imports (it is also woken at once in the same process)
    catalogue_import_poll_seconds: float = Field(default=2.0, gt=0, le=300)
    #: a running import's worker renews its lease on the job every third of this; a job whose lease has
    #: run out (its worker died) is taken over by the next worker that looks for work
    catalogue_import_lease_seconds: float = Field(default=60.0, ge=3, le=3600)
    #: a job whose workers died this many times is given up (``failed``) instead of being taken again
    catalogue_import_max_attempts: int = Field(default=3, ge=1, le=100)
