"""What grade distribution tables and grade conversions cost, measured side by side in one run.

    .venv/bin/python bench/records/bench_grading.py [--grades 200000] [--rounds 3]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

The records API runs in this process (``POST`` through its ASGI app, with a registrar's token), on a fresh
SQLite file (or PostgreSQL with ``--postgres``). A synthetic jury export — as a university with Pégase
uploads it — of ``--grades`` grades over 3 academic years, 400 courses and 40 ISCED codes is sent to
``POST /grade-tables/compute``. Reported, with the variants alternated round by round (medians):

* computing the tables from the export (validation, every grade parsed on its scale, tables per ISCED
  code at 4, 3 and 2 digits and EQF level, per-course distributions stored), relative to merely parsing
  and validating the same request body: what SMILE adds to reading the request;
* the same at a tenth of the size: per-grade cost at full size / at a tenth (1.0 = linear);
* one audited conversion (``POST /grade-conversions``: both tables found with the ISCED fallback,
  converted, recorded), relative to the cheapest authenticated request (``GET /grading-scales``).

The machine is shared: compare the ratios, not the absolute times, between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from smile_common.testing.harness import ServiceHarness, Stack
from smile_records.definition import DEFINITION
from smile_records.grading.schemas import GradeTableCompute

YEARS = ["2022/2023", "2023/2024", "2024/2025"]
ISCED = [f"0{field}{detail}{n}" for field in (2, 3, 4, 5) for detail in (1, 2) for n in range(1, 6)]


def jury_export(size: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - synthetic grades, not secrets
    courses = [(f"C{c:04d}", ISCED[c % len(ISCED)], 6 + (c // len(ISCED)) % 2) for c in range(400)]
    history = []
    for i in range(size):
        code, isced, eqf = courses[i % len(courses)]
        grade = min(20.0, max(0.0, rng.gauss(11.5, 3.0)))
        history.append(
            {
                "course_code": code,
                "academic_year": YEARS[i % 3],
                "grade": f"{grade:.2f}",
                "isced_code": isced,
                "eqf_level": eqf,
            }
        )
    return {"academic_years": YEARS, "source": "history", "history": history}


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def side_by_side(rounds: int, **variants: Callable[[], Awaitable[object]]) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, work in variants.items():
            samples[name].append(await timed(work))
    return {name: statistics.median(values) for name, values in samples.items()}


async def records_api(root: Path, postgres: str | None) -> ServiceHarness:
    stack = Stack("infra" if postgres else "embedded", root, postgres_url=postgres)
    return await ServiceHarness.create(
        DEFINITION, stack=stack, workdir=root / "records", data_dir=root / "data", bus=None, sis_config=""
    )


async def run(size: int, rounds: int, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        h = await records_api(Path(folder), postgres)
        try:
            await measure(h, size, rounds)
        finally:
            await h.close()


async def measure(h: ServiceHarness, size: int, rounds: int) -> None:
    registrar = h.headers("registrar", hei="unicaen.fr", sub="bench")
    full, tenth = json.dumps(jury_export(size)).encode(), json.dumps(jury_export(size // 10)).encode()
    headers = {**registrar, "content-type": "application/json"}

    async def parse(body: bytes) -> object:
        return GradeTableCompute.model_validate_json(body)

    async def compute(body: bytes) -> object:
        response = await h.client.post("/grade-tables/compute", content=body, headers=headers, timeout=600)
        assert response.status_code == 200, response.text[:500]
        return response

    medians = await side_by_side(
        rounds,
        parse=lambda: parse(full),
        compute=lambda: compute(full),
        parse_tenth=lambda: parse(tenth),
        compute_tenth=lambda: compute(tenth),
    )
    partner = {
        "hei_id": "uni-koeln.de",
        "isced_code": "0421",
        "eqf_level": 6,
        "academic_years": YEARS,
        "grades": [{"label": g, "count": 10 + i} for i, g in enumerate(["1.0", "1.3", "1.7", "2.0", "2.3", "2.7"])],
    }
    uploaded = await h.client.post("/grade-tables", json=partner, headers=registrar)
    assert uploaded.status_code == 201, uploaded.text
    convert_body = {"direction": "from-local", "grade": "13.5", "partner_hei_id": "uni-koeln.de", "isced_code": "0421"}

    async def convert() -> object:
        response = await h.client.post("/grade-conversions", json={**convert_body, "eqf_level": 6}, headers=registrar)
        assert response.status_code == 201, response.text
        return response

    async def scales() -> object:
        return await h.client.get("/grading-scales", headers=registrar)

    conversions = await side_by_side(max(rounds * 50, 100), convert=convert, scales=scales)
    report(size, len(full), medians, conversions)


def report(size: int, body_bytes: int, tables: dict[str, float], conversions: dict[str, float]) -> None:
    per_full = tables["compute"] / size
    per_tenth = tables["compute_tenth"] / (size // 10)
    print(f"jury export of {size} grades ({body_bytes / 1e6:.1f} MB of JSON), medians:")
    print(f"  parse + validate the request     {tables['parse']:8.2f} s")
    print(f"  compute the tables (API)         {tables['compute']:8.2f} s   {size / tables['compute']:10.0f} grades/s")
    print(f"  compute/parse                    {tables['compute'] / tables['parse']:8.2f} x")
    print(f"  per grade, full size / a tenth   {per_full / per_tenth:8.2f} x   (1.0 = linear)")
    print("one conversion, medians:")
    print(f"  GET /grading-scales              {conversions['scales'] * 1e3:8.2f} ms")
    print(f"  POST /grade-conversions          {conversions['convert'] * 1e3:8.2f} ms")
    print(f"  conversion/cheapest request      {conversions['convert'] / conversions['scales']:8.2f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grades", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    if args.grades < 100:
        sys.exit("--grades: at least 100")
    asyncio.run(run(args.grades, args.rounds, args.postgres))


if __name__ == "__main__":
    main()
