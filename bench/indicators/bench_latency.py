"""From a domain change committed in the catalogue to the figure moving in the indicators, through RabbitMQ.

    .venv/bin/python bench/indicators/bench_latency.py [--rate 500] [--seconds 30]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] [--amqp amqp://guest:guest@127.0.0.1:5672/]

Production topology on this machine: a fresh PostgreSQL database with the catalogue's and the indicators'
schemas, and three processes as deployed: ``smile-catalogue worker`` (its outbox relay),
``smile-indicators worker`` (the projector) and ``smile-indicators api``. This script is the catalogue:

* background load: course events committed in the catalogue's outbox, one transaction each, at a steady
  ``--rate`` a second (see ``background`` for why not through the publish code); with ``--direct``,
  published to RabbitMQ by this script instead, to load the indicators' side alone at that rate;
* every 250 ms, a *probe* publishes or withdraws one EQF-8 course with the catalogue's own service code
  (the change and its event committed together) and polls ``GET /figures/course-offer?eqf=8`` until the
  figure moves: commit -> figure seen through the API;
* afterwards, every background event is matched with the moment the projector recorded it
  (``event_log.recorded_at``): commit -> read models updated, for all of them.

Reports p50/p95/p99 of both against the 200 ms target, the rate actually sustained, and the CPU each
process used (the machine is shared: the load average says how much of it we had).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

from smile_catalogue.courses.schemas import CourseCreate
from smile_catalogue.courses.service import create_course, publish_course, withdraw_course
from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.db import create_database
from smile_common.db.engine import Database
from smile_common.events import RabbitMQBus, new_envelope
from smile_common.events.payloads.catalogue import CourseUpdated
from smile_common.security import Principal, Role
from smile_common.security.devissuer import DevIssuer
from smile_indicators.definition import DEFINITION as INDICATORS
from smile_indicators.projection.log import event_log

TENANT = "unicaen.fr"
TARGET_MS = 200.0
EDITOR = Principal(subject="bench-editor", tenant=TENANT, roles=frozenset({Role.ADMIN, Role.CATALOGUE_EDITOR}))
BIN = Path(sys.executable).parent


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]  # noqa: E731
    return {
        "p50": round(pick(50), 1),
        "p95": round(pick(95), 1),
        "p99": round(pick(99), 1),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
        "count": len(ordered),
    }


async def prepare(server: str) -> tuple[str, str]:
    name = f"smile_bench_lat_{uuid.uuid4().hex[:8]}"
    admin = create_database(server, "public")
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = server.rsplit("/", 1)[0] + f"/{name}"
    for definition in (CATALOGUE, INDICATORS):
        database = create_database(url, definition.metadata.schema or definition.name)
        await definition.migrations.upgrade(database)
        await database.dispose()
    return name, url


async def drop(server: str, name: str) -> None:
    admin = create_database(server, "public")
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process of this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def postgres_backends(url: str) -> list[int]:
    database = create_database(url, "public")
    try:
        async with database.engine.connect() as conn:
            pids = (
                (
                    await conn.execute(
                        sa.text(
                            "SELECT pid FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    )
                )
                .scalars()
                .all()
            )
        return [int(p) for p in pids]
    finally:
        await database.dispose()


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def new_courses(catalogue: Database, count: int, eqf: int, prefix: str) -> list[uuid.UUID]:
    ids = []
    async with catalogue.sessionmaker() as session, session.begin():
        for i in range(count):
            data = CourseCreate(code=f"{prefix}-{i}", title={"en": f"{prefix} {i}"}, ects=5, eqf_level=eqf)
            ids.append((await create_course(session, EDITOR, data)).id)
    return ids


async def toggle(catalogue: Database, course_id: uuid.UUID, publish: bool) -> tuple[int, float]:
    """One domain change committed in the catalogue (the course and its event): its version, commit time."""
    async with catalogue.sessionmaker() as session:
        async with session.begin():
            change = publish_course if publish else withdraw_course
            course = await change(session, EDITOR, course_id)
            version = course.version
        return version, time.time()


async def background(catalogue: Database, ids: list[uuid.UUID], rate: int, seconds: float) -> list[tuple[str, float]]:
    """Course events committed in the catalogue's outbox at ``rate`` a second: (event id, commit time) of each.

    The background load is written with the catalogue's own ``Outbox.record`` (one transaction per event,
    NOTIFY included), not through its publish code: that costs ~4 ms of CPU a change, more than this
    machine's two cores at 500 a second. The probe's changes go through the real publish code."""
    writers = 8
    committed: list[tuple[str, float]] = []
    queues: list[asyncio.Queue[None]] = [asyncio.Queue() for _ in range(writers)]

    async def writer(mine: list[uuid.UUID], tokens: asyncio.Queue[None]) -> None:
        turn = 0
        while True:
            await tokens.get()
            course_id = mine[turn % len(mine)]
            turn += 1
            payload = CourseUpdated(
                course_id=course_id,
                code=f"BG-{course_id.hex[:6]}",
                title={"en": "Background"},
                ects=5 + turn % 3,
                eqf_level=6,
                changed_by="bench",
                changed_at=datetime.now(UTC),
            )
            async with catalogue.sessionmaker() as session:
                async with session.begin():
                    envelope = await CATALOGUE.outbox.record(session, payload, tenant=TENANT, subject=str(course_id))
                committed.append((envelope.id, time.time()))

    tasks = [asyncio.create_task(writer(ids[w::writers], queues[w])) for w in range(writers)]
    started = time.perf_counter()
    released = 0
    try:
        while (elapsed := time.perf_counter() - started) < seconds:
            for _ in range(int(elapsed * rate) - released):
                queues[released % writers].put_nowait(None)
                released += 1
            await asyncio.sleep(0.002)
        # let the writers finish what was released (polling: the queues have no "drained" event)
        while any(not q.empty() for q in queues) and time.perf_counter() - started < seconds + 30:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return committed


async def background_direct(
    amqp: str, exchange: str, ids: list[uuid.UUID], rate: int, seconds: float
) -> list[tuple[str, float]]:
    """``--direct``: the same course events published straight to RabbitMQ at ``rate`` a second, every
    2 ms what is due, with publisher confirms (as the catalogue's relay does): the indicators' side alone."""
    bus = RabbitMQBus(amqp, exchange=exchange, name="smile-bench-publisher")
    sent: list[tuple[str, float]] = []
    started = time.perf_counter()
    released = 0
    try:
        while (elapsed := time.perf_counter() - started) < seconds:
            due = int(elapsed * rate) - released
            if due:
                batch = []
                for i in range(due):
                    course_id = ids[(released + i) % len(ids)]
                    payload = CourseUpdated(
                        course_id=course_id,
                        code=f"BG-{course_id.hex[:6]}",
                        title={"en": "Background"},
                        ects=5 + (released + i) % 3,
                        eqf_level=6,
                        changed_by="bench",
                        changed_at=datetime.now(UTC),
                    )
                    batch.append(new_envelope(payload, source="/smile/catalogue", tenant=TENANT))
                at = time.time()
                await bus.publish(batch)
                sent.extend((envelope.id, at) for envelope in batch)
                released += due
            await asyncio.sleep(0.002)
    finally:
        await bus.close()
    return sent


async def probe(catalogue: Database, api: str, token: str, course_id: uuid.UUID, seconds: float) -> list[float]:
    """Publish/withdraw the probe course every 250 ms and time how long the figure takes to move."""
    latencies = []
    published = False
    async with httpx.AsyncClient(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            published = not published
            _, committed = await toggle(catalogue, course_id, published)
            expected = 1 if published else 0
            while True:
                figure = (await client.get("/figures/course-offer", params={"eqf": "8"})).json()
                if figure["total"]["courses_published"] == expected:
                    latencies.append((time.time() - committed) * 1000)
                    break
                if time.time() - committed > 10:
                    latencies.append(10_000.0)
                    break
                await asyncio.sleep(0.02)  # resolution of the probe: 20 ms
            await asyncio.sleep(0.25)
    return latencies


async def recorded_latencies(url: str, committed: list[tuple[str, float]]) -> tuple[list[float], int]:
    """Commit -> ``event_log.recorded_at`` (the projector's transaction) of each background event."""
    indicators = create_database(url, "indicators")
    try:
        async with indicators.engine.connect() as conn:
            rows = (await conn.execute(sa.select(event_log.c.event_id, event_log.c.recorded_at))).all()
    finally:
        await indicators.dispose()
    seen = {r.event_id: r.recorded_at.timestamp() for r in rows}
    latencies = [(seen[event_id] - at) * 1000 for event_id, at in committed if event_id in seen]
    return latencies, len(committed) - len(latencies)


async def wait_until_projected(url: str, expected: int, timeout: float = 120) -> None:
    indicators = create_database(url, "indicators")
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            async with indicators.engine.connect() as conn:
                count = await conn.scalar(sa.select(sa.func.count()).select_from(event_log))
            if (count or 0) >= expected:
                return
            await asyncio.sleep(0.5)
    finally:
        await indicators.dispose()


async def main(args: argparse.Namespace) -> None:
    name, url = await prepare(args.server)
    workdir = Path(tempfile.mkdtemp(prefix="smile-bench-latency-"))
    env = {
        **os.environ,
        "SMILE_DATABASE_URL": url,
        "SMILE_AMQP_URL": args.amqp,
        "SMILE_DATA_DIR": str(workdir),
        "SMILE_AMQP_EXCHANGE": f"smile.bench.{uuid.uuid4().hex[:8]}",
        "SMILE_LOG_LEVEL": "WARNING",
    }
    port = 18000 + os.getpid() % 1000
    processes = [
        start([str(BIN / "smile-catalogue"), "worker"], env, workdir / "catalogue-worker.log"),
        start([str(BIN / "smile-indicators"), "worker"], env, workdir / "indicators-worker.log"),
        start([str(BIN / "smile-indicators"), "api", "--port", str(port)], env, workdir / "indicators-api.log"),
    ]
    catalogue = create_database(url, "catalogue", pool_size=8)
    try:
        token = DevIssuer(workdir, audience="smile").mint(subject="bench", roles=("analyst",), hei=TENANT)
        ids = [uuid.uuid4() for _ in range(300)]
        probe_course = (await new_courses(catalogue, 1, 8, "PROBE"))[0]
        api = f"http://127.0.0.1:{port}"
        await _wait_for_api(api)
        await asyncio.sleep(3)  # the workers bind their queues
        names = ["catalogue relay", "indicators worker", "indicators api"]
        before = {n: cpu_of(p.pid) for n, p in zip(names, processes, strict=True)}
        backends = await postgres_backends(url)
        before_pg, before_me = sum(cpu_of(p) for p in backends), time.process_time()
        started = time.perf_counter()
        load = (
            background_direct(args.amqp, env["SMILE_AMQP_EXCHANGE"], ids, args.rate, args.seconds)
            if args.direct
            else background(catalogue, ids, args.rate, args.seconds)
        )
        committed, probes = await asyncio.gather(load, probe(catalogue, api, token, probe_course, args.seconds))
        elapsed = time.perf_counter() - started
        await wait_until_projected(url, len(committed) + len(probes))
        cpu = {n: round(cpu_of(p.pid) - before[n], 1) for n, p in zip(names, processes, strict=True)}
        cpu["this driver (catalogue writes, probe)"] = round(time.process_time() - before_me, 1)
        cpu["postgresql backends"] = round(sum(cpu_of(p) for p in await postgres_backends(url)) - before_pg, 1)
        recorded, missing = await recorded_latencies(url, committed)
        summary = {
            "background": "published to RabbitMQ directly" if args.direct else "committed in the catalogue's outbox",
            "target_rate": args.rate,
            "sustained_rate": round(len(committed) / elapsed, 1),
            "changes": len(committed),
            "commit_to_read_models_ms": percentiles(recorded),
            "commit_to_figure_in_api_ms": percentiles(probes),
            "not_projected": missing,
            "p95_ratio_to_200ms_target": {
                "read_models": round(percentiles(recorded).get("p95", 0) / TARGET_MS, 2),
                "figure_in_api": round(percentiles(probes).get("p95", 0) / TARGET_MS, 2),
            },
            "cpu_seconds": cpu,
            "indicators_worker_cpu_ms_per_event": round(cpu["indicators worker"] * 1000 / max(1, len(committed)), 2),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        print(json.dumps(summary, indent=2))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(15)
        await catalogue.dispose()
        await drop(args.server, name)


async def _wait_for_api(api: str) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("the indicators API did not start")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument(
        "--direct", action="store_true", help="publish the background load to RabbitMQ directly (no producer commit)"
    )
    asyncio.run(main(parser.parse_args()))
