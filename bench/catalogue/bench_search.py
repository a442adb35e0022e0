"""Public course search with 50,000 courses on PostgreSQL (targets: p95 < 30 ms; throughput >= 40 % of the
same server's bare health endpoint, measured in the same run).

    .venv/bin/python bench/catalogue/bench_search.py [--courses 50000] [--seconds 10] [--concurrency 8]
        [--index memory|database|both] [--keep | --database NAME]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

On a fresh database: the demo university's units and terms and ``--courses`` synthetic published courses
(bench/catalogue/synthetic.py, loaded by the import pipeline) and ``ANALYZE`` (what autovacuum does by
itself shortly after such an import; without it the planner guesses from an empty table), then the catalogue
API as its own process (``smile-catalogue api``, one uvicorn worker, the in-memory cache of whole answers
off so that every search is computed, the benchmark's address exempt from rate limits), with searches
answered as ``--index`` says (``SMILE_CATALOGUE_SEARCH_INDEX``; ``both``: one API process after the other,
memory first). With the in-memory index, the first search starts its build: the benchmark waits for it and
reports its build time, estimated size and the process's resident memory before and after. Then, side by
side in the same run, alternating twice:

* ``GET /healthz`` and filtered full-text searches (``GET /courses?hei=…&q=…`` with one to three filters,
  drawn from several hundred distinct combinations; first pages, so with facet counts as a student's
  first search has them), each at ``--concurrency`` for ``--seconds``: requests/s and latencies;
* latency of the searches one at a time (no queueing): p50 / p95 / p99.

Reports, for each path, the search p50/p95 one at a time against the 30 ms target and the ratio of search
to health throughput against the 0.40 target. ``--keep`` keeps the database, ``--database NAME`` reuses it
(no import).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import TENANT, drop, fresh_database, runtime_for, timed_import
from synthetic import offer

from smile_common.db import create_database

BIN = Path(sys.executable).parent
WORDS = [
    "droit", "law", "economie", "economics", "histoire", "history", "chimie", "chemistry", "biologie", "data",
    "gestion", "management", "langue", "language", "physique", "physics", "europe", "sante", "health", "sport",
    "marketing", "algorithm", "geographie", "culture", "literature", "statist", "contrat", "finance", "projet",
    "methods", "seminaire", "workshop", "fondamentaux", "advanced", "informatique", "math", "social", "art",
]  # fmt: skip
FILTERS: list[dict[str, Any]] = [
    {"term": "2026-S1"}, {"term": "2026-S2"}, {"language": "fr"}, {"language": "en"}, {"cefr": "B1"},
    {"cefr": "B2"}, {"isced": "04"}, {"isced": "0421"}, {"isced": "05"}, {"eqf": 6}, {"eqf": 7},
    {"ects_min": 4, "ects_max": 6}, {"unit": "SCI"}, {"unit": "DROIT"}, {"day": "mon"}, {"day": "thu"},
]  # fmt: skip


def searches(count: int) -> list[dict[str, Any]]:
    rng = random.Random(42)  # noqa: S311 - a reproducible workload, not security
    out = []
    for _ in range(count):
        params: dict[str, Any] = {"hei": TENANT, "q": rng.choice(WORDS), "limit": 20}
        for extra in rng.sample(FILTERS, rng.randint(1, 3)):
            params.update(extra)
        params["lang"] = rng.choice(["fr", "en"])
        out.append(params)
    return out


async def load(
    client: httpx.AsyncClient, requests: list[dict[str, Any]] | None, seconds: float, workers: int
) -> dict[str, Any]:
    """Requests from ``workers`` clients for ``seconds``: health when ``requests`` is None."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def one() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            n = next(counter)
            started = time.perf_counter()
            if requests is None:
                response = await client.get("/healthz")
            else:
                response = await client.get("/courses", params=requests[n % len(requests)])
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(workers)))
    elapsed = time.perf_counter() - started
    return {"requests_per_s": round(len(latencies) / elapsed, 1), "errors": errors, **percentiles(latencies)}


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    q = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else ordered * 99
    return {"p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1), "p99_ms": round(q[98] * 1000, 1)}


def start_api(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [str(BIN / "smile-catalogue"), "api", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def wait_for(client: httpx.AsyncClient) -> None:
    for _ in range(240):
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    raise RuntimeError("the catalogue API did not start")


async def analyze(url: str) -> None:
    """Refresh the planner's statistics, as autovacuum does on its own a little after a large import."""
    database = create_database(url, "catalogue")
    async with database.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text("ANALYZE catalogue.course"))
    await database.dispose()


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def index_metrics(client: httpx.AsyncClient, seconds: float) -> dict[str, float]:
    """The API's search index gauges for the tenant, once its first build has ended."""
    deadline = time.perf_counter() + seconds
    await client.get("/courses", params={"hei": TENANT, "limit": 1})  # starts the build
    while time.perf_counter() < deadline:
        found: dict[str, float] = {}
        for line in (await client.get("/metrics")).text.splitlines():
            for name in ("courses", "bytes", "build_seconds"):
                if line.startswith(f'smile_catalogue_search_index_{name}{{tenant="{TENANT}"}}'):
                    found[name] = float(line.rsplit(" ", 1)[1])
        if len(found) == 3:
            return found
        await asyncio.sleep(0.5)
    raise RuntimeError("the search index was not built in time")


async def measure(args: argparse.Namespace, url: str, workdir: Path, path: str) -> dict[str, Any]:
    """One API process answering searches from ``path`` (memory or database): its figures."""
    port = 18500 + os.getpid() % 400
    env = {
        **os.environ,
        "SMILE_DATABASE_URL": url,
        "SMILE_DATA_DIR": str(workdir),
        "SMILE_CATALOGUE_SEARCH_CACHE_SIZE": "0",
        "SMILE_CATALOGUE_SEARCH_INDEX": path,
        # the benchmark's client is one address sending hundreds of requests a second: not limited (an empty
        # SMILE_RATE_LIMIT_ANONYMOUS would be ignored, as every empty setting)
        "SMILE_RATE_LIMIT_EXEMPT": '["127.0.0.0/8"]',
        "SMILE_LOG_LEVEL": "WARNING",
    }
    server = start_api(port, env, workdir / f"api-{path}.log")
    out: dict[str, Any] = {"search_path": path}
    try:
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:
            await wait_for(client)
            workload = searches(600)
            if path == "memory":
                before = rss_mb(server.pid)
                index = await index_metrics(client, 600)
                out["index"] = {
                    "courses": int(index["courses"]),
                    "build_seconds": round(index["build_seconds"], 2),
                    "estimated_mb": round(index["bytes"] / 1e6, 1),
                    "process_rss_mb_before_after_build": [before, rss_mb(server.pid)],
                }
            for params in workload[:40]:  # warm the connection pool and PostgreSQL's caches (or the postings)
                await client.get("/courses", params=params)
            rounds: list[dict[str, Any]] = []
            for _ in range(2):
                health = await load(client, None, args.seconds, args.concurrency)
                search = await load(client, workload, args.seconds, args.concurrency)
                rounds.append({"health": health, "search": search})
            sequential = await load(client, workload[::-1], args.seconds, 1)
            out["published"] = (await client.get("/courses", params={"hei": TENANT})).json().get("total")
            if path == "memory":
                out["index"]["process_rss_mb_at_end"] = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)
    ratios = [r["search"]["requests_per_s"] / r["health"]["requests_per_s"] for r in rounds]
    out.update(
        {
            "search_p50_ms_one_at_a_time": sequential["p50_ms"],
            "search_p95_ms_one_at_a_time": sequential["p95_ms"],
            "p95_target_ms": 30,
            "throughput_ratio_search_to_health": [round(r, 3) for r in ratios],
            "ratio_target": 0.40,
            "rounds": rounds,
            "search_one_at_a_time": sequential,
        }
    )
    return out


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="smile-bench-search-"))
    if args.database:
        name, url = "", args.server.rsplit("/", 1)[0] + f"/{args.database}"
        loaded: dict[str, Any] | str = f"reused database {args.database}"
    else:
        name, url = await fresh_database(args.server, False, workdir)
    try:
        if not args.database:
            runtime = await runtime_for(url, workdir)
            loaded = await timed_import(runtime, json.dumps(offer(args.courses)).encode(), publish=True)
            await runtime.close()
            await analyze(url)
        paths = ["memory", "database"] if args.index == "both" else [args.index]
        results = [await measure(args, url, workdir, path) for path in paths]
        print(
            json.dumps(
                {
                    "courses": args.courses,
                    "loaded_with_import": loaded,
                    "concurrency": args.concurrency,
                    "seconds": args.seconds,
                    "results": results,
                    "load_average": os.getloadavg(),
                },
                indent=1,
            )
        )
    finally:
        if args.keep and name:
            print(f"kept database {name} (reuse it with --database {name})", file=sys.stderr)
        else:
            await drop(args.server, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--index",
        choices=["memory", "database", "both"],
        default="memory",
        help="where searches are answered (SMILE_CATALOGUE_SEARCH_INDEX); both: one API process after the other",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database (to reuse it with --database)")
    parser.add_argument("--database", help="reuse a database kept by --keep (same --courses) instead of importing")
    asyncio.run(main(parser.parse_args()))
