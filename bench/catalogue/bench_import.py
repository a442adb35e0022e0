"""Importing a large offer file (target: 50,000 courses at 5,000 rows/s or better, on PostgreSQL).

    .venv/bin/python bench/catalogue/bench_import.py [--courses 50000]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] [--sqlite]

On a fresh database migrated like production, with the demo university's units, terms and programmes,
runs the import as ``smile-catalogue import`` runs it (a job: read, decode, check every row, write in one
transaction) on a synthetic JSON offer file (bench/catalogue/synthetic.py), side by side in one run:

1. first import of the file as drafts (every row created);
2. the same file again (every row unchanged: nothing written);
3. the file with one course in ten changed (updates);
4. a first import into a second fresh database with ``publish`` (every course created, published, and
   its event written to the outbox).

Reports rows/s of each (from the queued job to its end: the courses written and the job succeeded, in one
commit), the CPU time the import took in this (Python) process, the ratio to the 5,000 rows/s target, and
the time the statistics refresh that a large import starts after its commit (``ANALYZE``, in the
background) took on top. The databases are dropped at the end. The script runs older versions of the service
too (its calls have not changed), for side-by-side comparisons: run it with the other checkout's Python.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import offer

from smile_catalogue.definition import DEFINITION
from smile_catalogue.imports import service
from smile_catalogue.settings import CatalogueSettings
from smile_common.db import create_database
from smile_common.events.bus import InMemoryBus
from smile_common.security import Principal, Role
from smile_common.service import Runtime, bootstrap

TARGET = 5000
TENANT = "unicaen.fr"


async def fresh_database(server: str, sqlite: bool, workdir: Path) -> tuple[str, str]:
    if sqlite:
        return "", f"sqlite+aiosqlite:///{workdir / f'catalogue-{uuid.uuid4().hex[:6]}.db'}"
    name = f"smile_bench_cat_{uuid.uuid4().hex[:8]}"
    admin = create_database(server, "public")
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return name, server.rsplit("/", 1)[0] + f"/{name}"


async def drop(server: str, name: str) -> None:
    if not name:
        return
    admin = create_database(server, "public")
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def runtime_for(url: str, workdir: Path) -> Runtime:
    settings = CatalogueSettings(database_url=url, data_dir=workdir, log_json=False)
    runtime = bootstrap(DEFINITION, settings, bus=InMemoryBus())
    await DEFINITION.migrations.upgrade(runtime.database)
    return runtime


async def timed_import(runtime: Runtime, content: bytes, **options: Any) -> dict[str, Any]:
    """One import as the command line runs it; seconds from the queued job to its end."""
    principal = Principal(subject="bench", tenant=TENANT, roles=frozenset({Role.CATALOGUE_EDITOR}))
    started, cpu = time.perf_counter(), time.process_time()
    async with runtime.database.sessionmaker() as session, session.begin():
        job = await service.create_job(
            session, principal, source="json", options={"format": "json", **options}, content=content
        )
    assert await service.claim_next_id(runtime, job.id)
    # as the command line runs it: the file it has just queued is handed over (older versions read it back)
    handover = {"content": content} if "content" in inspect.signature(service.run_job).parameters else {}
    finished = await service.run_job(runtime, job.id, **handover)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    # the statistics refresh (ANALYZE) that a large import starts once it is committed, measured apart
    refreshed = getattr(service, "statistics_refreshed", None)
    analyze_started = time.perf_counter()
    if refreshed is not None:
        await refreshed(runtime)
    analyze_seconds = time.perf_counter() - analyze_started
    assert finished.status == "succeeded", (finished.status, finished.error, finished.summary)
    rows = finished.total_rows
    summary = {k: finished.summary[k] for k in ("created", "updated", "unchanged", "rejected")}
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        # CPU of this process (Python), less sensitive than seconds to other work on a shared machine; the
        # rest of the time is PostgreSQL's (or waiting for a CPU)
        "python_cpu_s": round(cpu, 2),
        "python_cpu_us_per_row": round(cpu / rows * 1e6),
        "statistics_refresh_s_after_the_job": round(analyze_seconds, 2),
        **summary,
    }


def changed(document: dict[str, Any], every: int) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    for course in copy["courses"][::every]:
        course["capacity"] = (course.get("capacity") or 0) + 5
    return copy


async def main(args: argparse.Namespace) -> None:
    document = offer(args.courses)
    content = json.dumps(document, ensure_ascii=False).encode()
    update = json.dumps(changed(document, 10), ensure_ascii=False).encode()
    workdir = Path(tempfile.mkdtemp(prefix="smile-bench-import-"))
    names: list[str] = []
    results: dict[str, Any] = {
        "backend": "sqlite" if args.sqlite else "postgresql",
        "courses": args.courses,
        "file_mb": round(len(content) / 1e6, 1),
    }
    try:
        name, url = await fresh_database(args.server, args.sqlite, workdir)
        names.append(name)
        runtime = await runtime_for(url, workdir)
        results["1 first import (drafts)"] = await timed_import(runtime, content)
        results["2 same file again"] = await timed_import(runtime, content)
        results["3 one course in ten changed"] = await timed_import(runtime, update)
        await runtime.close()
        name, url = await fresh_database(args.server, args.sqlite, workdir)
        names.append(name)
        runtime = await runtime_for(url, workdir)
        results["4 first import, published"] = await timed_import(runtime, content, publish=True)
        async with runtime.database.sessionmaker() as session:
            outbox = DEFINITION.tables.outbox
            results["4 first import, published"]["events"] = await session.scalar(
                sa.select(sa.func.count()).select_from(outbox)
            )
        await runtime.close()
    finally:
        for name in names:
            await drop(args.server, name)
    for value in results.values():
        if isinstance(value, dict):
            value["ratio_to_target"] = round(value["rows_per_s"] / TARGET, 2)
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=50_000)
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead of PostgreSQL")
    asyncio.run(main(parser.parse_args()))
