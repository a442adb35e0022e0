"""Full rebuild of the indicators' read models from the event log (target: 1 million events at >= 20,000/s).

    .venv/bin/python bench/indicators/bench_rebuild.py [--events 1000000] [--sample 20000]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

On a fresh PostgreSQL database: fills ``indicators.event_log`` with synthetic events built with the
producers' payload models (bench/indicators/synthetic.py), then, side by side in the same run:

* the rebuild (``smile_indicators.projection.rebuild``, what ``smile-indicators rebuild`` runs), events/s;
* the live projector on a sample of the same log (batches of 200, as the consumer applies them), events/s;
* that the live projector and the rebuild give identical rows on the sample, and two rebuilds of the
  full log identical rows.

Reports ratios: rebuild rate / target, rebuild rate / live rate. The databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import LOG_COLUMNS, events, log_row

from smile_common.db import create_database
from smile_common.db.engine import Database
from smile_indicators.db import tables as messaging
from smile_indicators.definition import DEFINITION
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.projection.consumer import ProjectorConsumer
from smile_indicators.projection.log import to_envelope
from smile_indicators.projection.rebuild import rebuild

TARGET = 20_000
_COPY_BATCH = 20_000


async def fresh_database(server: str) -> tuple[str, str, Database]:
    name = f"smile_bench_ind_{uuid.uuid4().hex[:8]}"
    admin = create_database(server, "public")
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = server.rsplit("/", 1)[0] + f"/{name}"
    database = create_database(url, "indicators", pool_size=4)
    await DEFINITION.migrations.upgrade(database)
    return name, url, database


async def drop(server: str, name: str, database: Database) -> None:
    await database.dispose()
    admin = create_database(server, "public")
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def fill_log(url: str, database: Database, total: int) -> float:
    """COPY ``total`` synthetic events into the log; return the seconds spent generating and copying."""
    import asyncpg

    started = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.set_type_codec(
            "jsonb",
            encoder=lambda value: b"\x01" + json.dumps(value).encode(),
            decoder=lambda data: json.loads(data[1:]),
            schema="pg_catalog",
            format="binary",
        )
        for envelope in events(total):
            batch.append(log_row(envelope))
            if len(batch) >= _COPY_BATCH:
                await conn.copy_records_to_table(
                    "event_log", schema_name="indicators", records=batch, columns=LOG_COLUMNS
                )
                batch.clear()
        if batch:
            await conn.copy_records_to_table("event_log", schema_name="indicators", records=batch, columns=LOG_COLUMNS)
        await conn.execute("ANALYZE indicators.event_log")
    finally:
        await conn.close()
    return time.perf_counter() - started


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process on this machine (the PostgreSQL backend serving us)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _backends_cpu(database: Database) -> dict[int, float]:
    async with database.engine.connect() as conn:
        pids = (
            (await conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")))
            .scalars()
            .all()
        )
    out = {}
    for pid in pids:
        try:
            out[int(pid)] = _cpu_of(int(pid))
        except OSError:
            continue
    return out


async def timed_rebuild(database: Database) -> tuple[Any, dict[str, float]]:
    """The rebuild, with the CPU it used in this process and in the PostgreSQL backends of the database."""
    before_pg, before_py = await _backends_cpu(database), time.process_time()
    report = await rebuild(database, PROJECTOR)
    python = time.process_time() - before_py
    after_pg = await _backends_cpu(database)
    postgres = sum(cpu - before_pg.get(pid, 0.0) for pid, cpu in after_pg.items())
    return report, {"python": round(python, 2), "postgres": round(postgres, 2)}


async def fingerprint(database: Database) -> dict[str, str]:
    """A digest of every read model's rows (order-independent), to compare two builds."""
    out = {}
    async with database.engine.connect() as conn:
        for table in PROJECTOR.tables:
            digest = hashlib.sha256()
            keys = list(table.primary_key.columns)
            result = await conn.stream(sa.select(table).order_by(*keys).execution_options(yield_per=5000))
            async for row in result:
                values = {k: v for k, v in row._mapping.items() if k not in ("state_event",)}
                digest.update(json.dumps(values, default=str, sort_keys=True).encode())
            out[table.name] = digest.hexdigest()[:16]
    return out


async def live_sample(source: Database, sample: int, server: str) -> tuple[float, dict[str, str], dict[str, str]]:
    """Apply the first ``sample`` logged events with the live projector on a fresh database; then rebuild it.

    Returns the live projector's events per CPU second (this process and its PostgreSQL backends)."""
    name, _, target = await fresh_database(server)
    try:
        async with source.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(
                        sa.table("event_log", *[sa.column(c) for c in ("seq", *LOG_COLUMNS)], schema="indicators")
                    )
                    .order_by(sa.text("seq"))
                    .limit(sample)
                )
            ).all()
        envelopes = [to_envelope(_Row(r._mapping)) for r in rows]
        consumer = ProjectorConsumer("indicators.projector", target, messaging, PROJECTOR)
        before_pg, before_py = await _backends_cpu(target), time.process_time()
        for start in range(0, len(envelopes), 200):
            await consumer.apply_now(envelopes[start : start + 200])
        after_pg = await _backends_cpu(target)
        seconds = time.process_time() - before_py + sum(c - before_pg.get(p, 0.0) for p, c in after_pg.items())
        live = await fingerprint(target)
        await rebuild(target, PROJECTOR)
        rebuilt = await fingerprint(target)
        return len(envelopes) / seconds, live, rebuilt
    finally:
        await drop(server, name, target)


class _Row:
    def __init__(self, mapping: Any) -> None:
        self.__dict__.update(dict(mapping))
        self.data = json.loads(self.data) if isinstance(self.data, str) else self.data


async def main(args: argparse.Namespace) -> None:
    name, url, database = await fresh_database(args.server)
    try:
        filled = await fill_log(url, database, args.events)
        print(json.dumps({"step": "log filled", "events": args.events, "seconds": round(filled, 1)}), flush=True)
        first, cpu = await timed_rebuild(database)
        print(json.dumps({"step": "rebuild", **first.as_dict(), "cpu_seconds": cpu}), flush=True)
        digest_first = await fingerprint(database)
        second, cpu2 = await timed_rebuild(database)
        identical_rebuilds = await fingerprint(database) == digest_first
        live_rate, live_rows, rebuilt_rows = await live_sample(database, args.sample, args.server)
        rate = (first.events_per_second + second.events_per_second) / 2
        cpu_total = (cpu["python"] + cpu["postgres"] + cpu2["python"] + cpu2["postgres"]) / 2
        summary = {
            "events": first.events,
            "rebuild_seconds": [round(first.seconds, 1), round(second.seconds, 1)],
            "rebuild_events_per_second": round(rate),
            "ratio_to_target_20000": round(rate / TARGET, 2),
            "cpu_seconds_per_rebuild": {
                "python": round((cpu["python"] + cpu2["python"]) / 2, 1),
                "postgres": round((cpu["postgres"] + cpu2["postgres"]) / 2, 1),
            },
            "events_per_cpu_second": round(first.events / cpu_total),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "live_projector_events_per_cpu_second": round(live_rate),
            "ratio_rebuild_to_live_per_cpu_second": round(first.events / cpu_total / live_rate, 1),
            "rows": first.rows,
            "two_rebuilds_identical": identical_rebuilds,
            "live_and_rebuild_identical_on_sample": live_rows == rebuilt_rows,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        print(json.dumps({"step": "summary", **summary}, indent=2))
    finally:
        await drop(args.server, name, database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    asyncio.run(main(parser.parse_args()))
