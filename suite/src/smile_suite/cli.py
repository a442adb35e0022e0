"""``smile``: run the whole suite, migrate or seed every service, mint dev tokens, run separate processes."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

import uvicorn
from pydantic import ValidationError

from smile_common.logging import configure_logging
from smile_common.security import Role
from smile_common.security.devissuer import DevIssuer
from smile_common.service import bootstrap
from smile_suite.allinone import SuiteSettings, create_suite_app
from smile_suite.registry import SERVICES

ROLES = [role.value for role in Role]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smile", description="The SMILE suite")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="all five services in one process (embedded default)")
    run.add_argument("--host", default=os.environ.get("SMILE_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("SMILE_PORT", "8000")))
    run.add_argument("--no-seed", action="store_true", help="do not load the demo data")
    sub.add_parser("migrate", help="migrate every service's schema")
    sub.add_parser("seed", help="load every service's demo data")
    token = sub.add_parser("dev-token", help="print a token signed by the dev issuer (dev profile only)")
    token.add_argument("--role", action="append", choices=ROLES, required=True, help="repeatable")
    token.add_argument("--hei", default="unicaen.fr", help="the university (SCHAC code)")
    token.add_argument("--sub", default=None, help="subject (user id); default: dev-<role>")
    token.add_argument("--email", default=None)
    token.add_argument("--ounit", action="append", default=[], help="organisational unit (referents)")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    contracts = sub.add_parser("contracts", help="write the OpenAPI, event schema and AsyncAPI documents")
    contracts.add_argument("--check", action="store_true", help="fail if the committed documents drifted")
    up = sub.add_parser("up", help="each service as its own api and worker processes (PostgreSQL + RabbitMQ)")
    up.add_argument("--base-port", type=int, default=8100)
    sub.add_parser(
        "deployment-contract",
        help="print, as JSON, the processes, ports, variables and calls every deployment must provide",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = SuiteSettings()
    except ValidationError as exc:
        print(f"smile: {exc}", file=sys.stderr)
        return 2
    configure_logging("suite", settings.log_level, json_logs=settings.log_json)
    if args.command == "run":
        return _run(settings, args)
    if args.command == "dev-token":
        return _dev_token(settings, args)
    if args.command == "contracts":
        from smile_suite.contracts import main as contracts_main

        return contracts_main(check=args.check)
    if args.command == "deployment-contract":
        from smile_suite.deployment import contract_json

        print(contract_json())
        return 0
    if args.command == "up":
        from smile_suite.up import run_separate_processes

        return run_separate_processes(base_port=args.base_port)
    return asyncio.run(_for_each_service(args.command))


def _run(settings: SuiteSettings, args: argparse.Namespace) -> int:
    if args.no_seed:
        settings = settings.model_copy(update={"seed_demo_data": False})
    base = f"http://{args.host}:{args.port}"
    if settings.public_base_url == "http://127.0.0.1:8000":
        settings = settings.model_copy(update={"public_base_url": base})
    app = create_suite_app(settings)
    print(_banner(settings, base), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False, server_header=False)
    return 0


def _banner(settings: SuiteSettings, base: str) -> str:
    lines = ["", "SMILE is starting (all five services in one process)", ""]
    for path, definition in SERVICES:
        lines.append(f"  {definition.title:<20} {base}{path}/docs")
    if settings.is_dev:
        issuer = DevIssuer(settings.data_dir, audience=settings.oidc_audience)
        token = issuer.mint(subject="dev-coordinator", roles=["coordinator", "catalogue_editor"], hei="unicaen.fr")
        lines += [
            "",
            "Dev token (coordinator + catalogue_editor at unicaen.fr, valid 8 hours):",
            f"  export TOKEN={token}",
            f'  curl -H "Authorization: Bearer $TOKEN" {base}/catalogue/courses',
            "Other roles: .venv/bin/smile dev-token --role student --hei unicaen.fr",
        ]
    lines.append("")
    return "\n".join(lines)


def _dev_token(settings: SuiteSettings, args: argparse.Namespace) -> int:
    if not settings.is_dev:
        print("smile: dev tokens exist only in the dev profile", file=sys.stderr)
        return 2
    issuer = DevIssuer(settings.data_dir, audience=settings.oidc_audience)
    extra: dict[str, object] = {}
    if args.email:
        extra["email"] = args.email
    if args.ounit:
        extra["ounits"] = args.ounit
    subject = args.sub or f"dev-{args.role[0]}"
    print(issuer.mint(subject=subject, roles=args.role, hei=args.hei.lower(), ttl_seconds=args.ttl, **extra))
    return 0


async def _for_each_service(command: str) -> int:
    for _, definition in SERVICES:
        runtime = bootstrap(definition)
        try:
            if command == "migrate":
                await definition.migrations.upgrade(runtime.database)
                print(f"{definition.name}: migrated")
            elif command == "seed" and definition.seed is not None:
                await definition.seed(runtime)
                print(f"{definition.name}: demo data loaded")
        finally:
            await runtime.close()
    return 0
