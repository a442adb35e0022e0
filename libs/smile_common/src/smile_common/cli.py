"""The command line of every service: ``smile-<service> api | worker | migrate | seed | dead-letters | outbox``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from smile_common.events.envelope import Envelope
from smile_common.events.rabbitmq import RabbitMQBus
from smile_common.logging import configure_logging
from smile_common.observability import health_router
from smile_common.service import Runtime, ServiceDefinition, bootstrap, run_worker

__all__ = ["main", "service_cli"]


def service_cli(definition: ServiceDefinition) -> Callable[[Sequence[str] | None], int]:
    """Build the ``main`` of ``smile-<service>``."""

    def entry(argv: Sequence[str] | None = None) -> int:
        return main(definition, argv)

    return entry


def _parser(definition: ServiceDefinition) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"smile-{definition.name}", description=definition.title)
    sub = parser.add_subparsers(dest="command", required=True)
    api = sub.add_parser("api", help="serve the REST API")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--workers", type=int, default=1)
    worker = sub.add_parser("worker", help="run the outbox relay, the consumers and the scheduled jobs")
    worker.add_argument("--health-host", default="127.0.0.1")
    worker.add_argument("--health-port", type=int, default=0, help="serve /healthz, /readyz, /metrics (0: off)")
    migrate = sub.add_parser("migrate", help="bring the service's schema to the latest migration")
    migrate.add_argument("--check", action="store_true", help="fail if the models and the migrations differ")
    migrate.add_argument("--revision", metavar="MESSAGE", help="autogenerate a new migration")
    migrate.add_argument("--to", default="head", help="target revision (default: head)")
    migrate.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="do not migrate: wait until another process (the migration job) has migrated the schema to this "
        "release's head; fail after SECONDS (used by the api and worker pods' init containers)",
    )
    sub.add_parser("seed", help="load the demo data (dev profile)")
    dead = sub.add_parser("dead-letters", help="list or replay events that consumers gave up on")
    dead.add_argument("action", choices=["list", "replay"])
    dead.add_argument("--consumer", help="only this consumer")
    dead.add_argument("--event-id", action="append", help="only these events (repeatable)")
    sub.add_parser("outbox", help="show the outbox: pending events and the last errors")
    for command in definition.commands:
        command.configure(sub.add_parser(command.name, help=command.help))
    return parser


def main(definition: ServiceDefinition, argv: Sequence[str] | None = None) -> int:
    args = _parser(definition).parse_args(argv)
    try:
        settings = definition.settings_cls()
    except ValidationError as exc:
        print(f"smile-{definition.name}: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(definition.name, settings.log_level, json_logs=settings.log_json)
    if args.command == "api":
        return _serve_api(definition, args)
    commands: dict[str, Callable[[Runtime, argparse.Namespace], Any]] = {
        "worker": _worker,
        "migrate": _migrate,
        "seed": _seed,
        "dead-letters": _dead_letters,
        "outbox": _outbox,
    }
    commands.update({command.name: command.run for command in definition.commands})
    runtime = bootstrap(definition, settings, uses_bus=args.command == "worker")

    async def run() -> int:
        try:
            result = await commands[args.command](runtime, args)
            return int(result or 0)
        finally:
            await runtime.close()

    return asyncio.run(run())


def _serve_api(definition: ServiceDefinition, args: argparse.Namespace) -> int:
    module = definition.settings_cls.__module__.rsplit(".", 1)[0]
    uvicorn.run(
        f"{module}.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_config=None,
        access_log=False,
        server_header=False,
    )
    return 0


async def _worker(runtime: Runtime, args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    server_task = None
    if args.health_port:
        health = FastAPI(title=f"smile-{runtime.name} worker", docs_url=None, redoc_url=None, openapi_url=None)
        health.include_router(health_router(lambda request: runtime.readiness_checks()))
        server = uvicorn.Server(
            uvicorn.Config(
                health,
                host=args.health_host,
                port=args.health_port,
                log_config=None,
                access_log=False,
                server_header=False,
            )
        )
        # the worker handles SIGINT/SIGTERM itself (stop event); uvicorn must not take them over
        setattr(server, "capture_signals", contextlib.nullcontext)  # noqa: B010
        server_task = asyncio.create_task(server.serve())
    try:
        await run_worker(runtime, stop)
    finally:
        if server_task is not None:
            server.should_exit = True
            await server_task
    return 0


async def _migrate(runtime: Runtime, args: argparse.Namespace) -> int:
    tree = runtime.definition.migrations
    if args.wait is not None:
        return await _wait_for_migrations(runtime, args.wait)
    if args.revision:
        await tree.upgrade(runtime.database)
        await tree.revision(runtime.database, args.revision)
        return 0
    await tree.upgrade(runtime.database, args.to)
    current = await tree.current(runtime.database)
    print(f"{runtime.name}: schema {tree.schema} at revision {current}")
    if args.check:
        diffs = await tree.differences(runtime.database)
        if diffs:
            print(f"{runtime.name}: the models and the migrations differ:", file=sys.stderr)
            for diff in diffs:
                print(f"  {diff}", file=sys.stderr)
            return 1
        print(f"{runtime.name}: models and migrations agree")
    return 0


async def _wait_for_migrations(runtime: Runtime, timeout: float) -> int:
    tree = runtime.definition.migrations
    try:
        newer = await tree.wait_until_migrated(runtime.database, timeout=timeout)
    except TimeoutError as exc:
        print(f"{runtime.name}: not migrated: {exc}", file=sys.stderr)
        return 1
    if newer is not None:
        print(f"{runtime.name}: schema {tree.schema} is at {newer}, newer than this release; starting anyway")
    else:
        print(f"{runtime.name}: schema {tree.schema} is migrated")
    return 0


async def _seed(runtime: Runtime, args: argparse.Namespace) -> int:
    if runtime.definition.seed is None:
        print(f"{runtime.name}: no demo data")
        return 0
    await runtime.definition.seed(runtime)
    print(f"{runtime.name}: demo data loaded")
    return 0


async def _dead_letters(runtime: Runtime, args: argparse.Namespace) -> int:
    consumers = [c for c in runtime.consumers() if args.consumer in (None, c.name)]
    if not consumers:
        print(f"{runtime.name}: no consumer named {args.consumer}", file=sys.stderr)
        return 2
    total = 0
    for consumer in consumers:
        if isinstance(runtime.bus, RabbitMQBus):
            total += await _rabbit_dead_letters(runtime.bus, consumer.name, args)
        else:
            total += await _stored_dead_letters(runtime, consumer, args)
    if args.action == "replay":
        print(f"replayed {total} event(s)")
    return 0


async def _rabbit_dead_letters(bus: RabbitMQBus, consumer: str, args: argparse.Namespace) -> int:
    if args.action == "replay":
        return await bus.replay_dead_letters(consumer, event_ids=args.event_id)
    letters = await bus.dead_letters(consumer)
    for letter in letters:
        env = letter.envelope
        print(
            json.dumps(
                {
                    "consumer": consumer,
                    "event_id": env.id if env else letter.raw_message_id,
                    "type": env.type if env else None,
                    "reason": letter.reason,
                }
            )
        )
    return len(letters)


async def _stored_dead_letters(runtime: Runtime, consumer: Any, args: argparse.Namespace) -> int:
    table = runtime.definition.tables.dead_letter
    async with runtime.database.sessionmaker() as session:
        query = sa.select(table).where(table.c.consumer == consumer.name).order_by(table.c.id)
        if args.event_id:
            query = query.where(table.c.event_id.in_(args.event_id))
        rows = (await session.execute(query)).all()
    if args.action == "list":
        for row in rows:
            print(
                json.dumps(
                    {
                        "consumer": row.consumer,
                        "event_id": row.event_id,
                        "type": row.event_type,
                        "attempts": row.attempts,
                        "error": row.error,
                        "at": row.created_at.isoformat(),
                    }
                )
            )
        return len(rows)
    replayed = 0
    for row in rows:
        # The embedded bus lives in another process: apply the event here, through the same inbox.
        await consumer.handle(Envelope.model_validate(row.envelope))
        async with runtime.database.sessionmaker() as session, session.begin():
            await session.execute(sa.delete(table).where(table.c.id == row.id))
        replayed += 1
    return replayed


async def _outbox(runtime: Runtime, args: argparse.Namespace) -> int:
    table = runtime.definition.tables.outbox
    async with runtime.database.sessionmaker() as session:
        pending = await session.scalar(sa.select(sa.func.count()).where(table.c.published_at.is_(None)))
        failing = (
            await session.execute(
                sa.select(table.c.event_id, table.c.event_type, table.c.attempts, table.c.last_error)
                .where(table.c.published_at.is_(None), table.c.last_error.is_not(None))
                .order_by(table.c.seq)
                .limit(20)
            )
        ).all()
    print(json.dumps({"service": runtime.name, "pending": pending, "failing": [dict(r._mapping) for r in failing]}))
    return 0
