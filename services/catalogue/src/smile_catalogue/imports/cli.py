"""``smile-catalogue import FILE`` and ``smile-catalogue import-sis PERIOD``: an import with a progress bar.

The job is recorded like one queued through the API (it shows in ``GET /imports``), but runs here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from smile_catalogue.imports import service
from smile_catalogue.imports.models import JobStatus
from smile_common.security import Principal, Role
from smile_common.service import Runtime, ServiceCommand

__all__ = ["COMMANDS"]

_FORMATS = {".csv": "csv", ".json": "json", ".txt": "csv"}


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hei", required=True, help="SCHAC code of the university (the tenant)")
    parser.add_argument("--publish", action="store_true", help="publish the courses the import creates")
    parser.add_argument("--allow-partial", action="store_true", help="apply valid rows even if others are rejected")
    parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    parser.add_argument("--autumn-term", help="SMILE term of odd SIS semesters (S1, S3, S5…)")
    parser.add_argument("--spring-term", help="SMILE term of even SIS semesters (S2, S4, S6…)")
    parser.add_argument("--report", type=Path, help="write the per-row report (JSON) to this file")
    parser.add_argument("--as", dest="actor", default="cli", help="who runs the import, for the audit trail")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _configure_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a CSV or JSON offer file, or an Apogée export")
    parser.add_argument("--format", choices=["csv", "json", "apogee"], help="default: from the file name")
    parser.add_argument("--period", help="apogee: keep only the rows of this COD_ANU")
    _common(parser)


def _configure_sis(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("period", help="the SIS period (Pégase période code, Apogée year)")
    _common(parser)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {"publish": args.publish, "allow_partial": args.allow_partial, "dry_run": args.dry_run}
    for name in ("autumn_term", "spring_term", "period"):
        if getattr(args, name, None):
            options[name] = getattr(args, name)
    return options


class _Bar:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        width = 30
        filled = width if not total else int(width * done / total)
        sys.stderr.write(f"\r{phase:<9} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()


async def _run(runtime: Runtime, args: argparse.Namespace, source: str, options: dict[str, Any], **job: Any) -> int:
    principal = Principal(subject=args.actor, tenant=args.hei, roles=frozenset({Role.CATALOGUE_EDITOR}))
    async with runtime.database.sessionmaker() as session, session.begin():
        created = await service.create_job(session, principal, source=source, options=options, **job)
        job_id = created.id
    claimed = await service.claim_next_id(runtime, job_id)
    if not claimed:
        print("the job was taken by a worker; follow it with GET /imports/" + str(job_id), file=sys.stderr)
        return 0
    # the file is handed over as it is (a worker taking the job over reads it from the job)
    finished = await service.run_job(runtime, job_id, printer=_Bar(args.quiet), content=job.get("content"))
    if not args.quiet:
        sys.stderr.write("\n")
    async with runtime.database.sessionmaker() as session:
        rows = await service.job_report(session, principal, job_id)
    if args.report:
        args.report.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    summary = {k: v for k, v in finished.summary.items() if k != "reference"}
    print(f"import {job_id}: {finished.status}" + (f" ({finished.error})" if finished.error else ""))
    print("courses: " + ", ".join(f"{k} {v}" for k, v in summary.items() if isinstance(v, int)))
    for kind, counts in (finished.summary.get("reference") or {}).items():
        print(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for row in [r for r in rows if r["outcome"] == "rejected"][:50]:
        reasons = "; ".join(f"{'.'.join(map(str, e.get('loc') or [])) or '-'}: {e.get('msg')}" for e in row["errors"])
        print(f"  line {row['line']} {row['kind']} {row['code'] or '?'}: {reasons}")
    return 0 if finished.status == JobStatus.SUCCEEDED.value else 1


async def _import_file(runtime: Runtime, args: argparse.Namespace) -> int:
    path: Path = args.file
    fmt = args.format or _FORMATS.get(path.suffix.lower())
    if fmt is None:
        print(f"say --format csv|json|apogee for {path.name}", file=sys.stderr)
        return 2
    content = await asyncio.to_thread(path.read_bytes)
    options = {"format": fmt, **_options(args)}
    return await _run(runtime, args, fmt, options, filename=path.name, content=content)


async def _import_sis(runtime: Runtime, args: argparse.Namespace) -> int:
    return await _run(runtime, args, "sis", _options(args))


COMMANDS = (
    ServiceCommand("import", "import an offer file (CSV, JSON, Apogée export)", _import_file, _configure_file),
    ServiceCommand("import-sis", "import the course offer of a SIS period", _import_sis, _configure_sis),
)
