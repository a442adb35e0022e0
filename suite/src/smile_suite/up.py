"""``smile up``: every service as its own processes, as in production but without containers.

For each service: ``migrate`` (one-shot, before anything starts), then an ``api`` process and a
``worker`` process. They need PostgreSQL and RabbitMQ (``SMILE_DATABASE_URL``, ``SMILE_AMQP_URL``);
``make up`` points them at this machine's servers. Ports: api ``base+i``, worker health ``base+50+i``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from smile_common.db.engine import ensure_postgres_database
from smile_suite.registry import SERVICES


def _command(name: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), f"smile-{name.replace('_', '-')}")


def plan(base_port: int) -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
    """The environment shared by every process and the (label, argv) of each long-running process."""
    urls = {d.name: f"http://127.0.0.1:{base_port + i}" for i, (_, d) in enumerate(SERVICES)}
    env = {"SMILE_SERVICE_URLS": json.dumps(urls)}
    processes: list[tuple[str, list[str]]] = []
    for i, (_, definition) in enumerate(SERVICES):
        cmd = _command(definition.name)
        processes.append((f"{definition.name}-api", [cmd, "api", "--port", str(base_port + i)]))
        processes.append(
            (
                f"{definition.name}-worker",
                [cmd, "worker", "--health-port", str(base_port + 50 + i)],
            )
        )
    return env, processes


def run_separate_processes(*, base_port: int = 8100) -> int:
    if not os.environ.get("SMILE_DATABASE_URL") or not os.environ.get("SMILE_AMQP_URL"):
        print("smile up: set SMILE_DATABASE_URL (PostgreSQL) and SMILE_AMQP_URL (RabbitMQ)", file=sys.stderr)
        return 2
    url = os.environ["SMILE_DATABASE_URL"]
    if url.startswith("postgresql") and asyncio.run(ensure_postgres_database(url)):
        print("smile up: created the database", file=sys.stderr)
    extra_env, processes = plan(base_port)
    env = {**os.environ, **extra_env}
    for _, definition in SERVICES:
        result = subprocess.run([_command(definition.name), "migrate"], env=env, check=False)
        if result.returncode != 0:
            print(f"smile up: migrating {definition.name} failed", file=sys.stderr)
            return result.returncode
    running: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for label, argv in processes:
        running.append((label, subprocess.Popen(argv, env=env)))
    for i, (_, definition) in enumerate(SERVICES):
        print(f"  {definition.title:<20} http://127.0.0.1:{base_port + i}/docs", flush=True)
    exit_code = 0
    while not stopping:
        for label, proc in running:
            if proc.poll() is not None:
                print(f"smile up: {label} exited with {proc.returncode}; stopping the others", file=sys.stderr)
                exit_code, stopping = proc.returncode or 1, True
                break
        time.sleep(0.5)
    for _, proc in running:
        if proc.poll() is None:
            proc.terminate()
    for _, proc in running:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return exit_code
