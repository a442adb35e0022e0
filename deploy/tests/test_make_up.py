"""`make up` (``smile up``): every service as its own api and worker processes against the machine's real
PostgreSQL and RabbitMQ. One flow crosses services: a course published in the catalogue moves the
indicators' figure (outbox -> RabbitMQ -> inbox, between OS processes). Then everything stops cleanly.

Unique database and exchange names; the processes run in their own session and are killed if anything
goes wrong, and the database, queues and exchanges are removed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from deploykit import run_slow_checks
from sqlalchemy.engine import make_url

from smile_common.events.rabbitmq import RabbitMQBus
from smile_common.service import bootstrap
from smile_common.testing.infra import amqp_test_url, drop_test_database, postgres_test_url, require_infra
from smile_suite.deployment import ServiceContract
from smile_suite.registry import SERVICES

BIN = Path(sys.executable).parent
COURSE = {
    "code": "SMOKE-101",
    "title": {"fr": "Droit de l'Union européenne", "en": "European Union law"},
    "ects": 6,
    "isced_code": "0421",
    "eqf_level": 6,
}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_base_port(count: int) -> int:
    """A base port such that base..base+count-1 and base+50..base+50+count-1 are all free."""
    for _ in range(200):
        base = 20000 + (uuid.uuid4().int % 20000)
        if all(_port_free(base + i) and _port_free(base + 50 + i) for i in range(count)):
            return base
    raise RuntimeError("no free ports")


@dataclass
class Suite:
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    base: int
    log: Path

    def api(self, index: int) -> str:
        return f"http://127.0.0.1:{self.base + index}"

    def health(self, index: int) -> str:
        return f"http://127.0.0.1:{self.base + 50 + index}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _cmdline(pid: int) -> list[str]:
    try:
        return [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return []


async def _cleanup(database_url: str, amqp: str, exchange: str, data_dir: Path) -> None:
    await drop_test_database(database_url)
    consumers: list[str] = []
    for _, definition in SERVICES:
        settings = definition.settings_cls(data_dir=data_dir, log_json=False)
        runtime = bootstrap(definition, settings)
        consumers += [c.name for c in runtime.consumers()]
        await runtime.close()
    bus = RabbitMQBus(amqp, exchange=exchange, name="smile-smoke-cleanup")
    try:
        await bus.delete_topology(consumers)
    finally:
        await bus.close()


@pytest.fixture
def suite(tmp_path: Path, service_contracts: list[ServiceContract]) -> Iterator[Suite]:
    run_slow_checks("starting the whole suite as separate processes (1 min)")
    server, amqp = postgres_test_url(), amqp_test_url()
    if not server or not amqp:
        if require_infra():
            pytest.fail("SMILE_TEST_DATABASE_URL and SMILE_TEST_AMQP_URL are needed")
        pytest.skip("needs PostgreSQL and RabbitMQ (SMILE_TEST_DATABASE_URL, SMILE_TEST_AMQP_URL)")
    suffix = uuid.uuid4().hex[:10]
    database_url = make_url(server).set(database=f"smile_up_{suffix}").render_as_string(hide_password=False)
    exchange = f"smile.smoke.{suffix}"
    base = free_base_port(len(service_contracts))
    env = {
        **os.environ,
        "SMILE_DATABASE_URL": database_url,
        "SMILE_AMQP_URL": amqp,
        "SMILE_AMQP_EXCHANGE": exchange,
        "SMILE_DATA_DIR": str(tmp_path / "data"),
        "SMILE_OUTBOX_POLL_SECONDS": "0.2",
        "SMILE_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "smile-up.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "smile"), "up", "--base-port", str(base)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: nothing survives the test
        )
    try:
        yield Suite(process, env, base, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        asyncio.run(_cleanup(database_url, amqp, exchange, tmp_path / "data"))


def _wait_ready(suite: Suite, urls: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending and time.monotonic() < deadline:
        if suite.process.poll() is not None:
            pytest.fail(f"smile up exited with {suite.process.returncode}:\n{suite.output()}")
        try:
            if httpx.get(f"{pending[0]}/readyz", timeout=2).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    assert not pending, f"not ready after {timeout}s: {pending}\n{suite.output()}"


def test_the_suite_runs_as_separate_processes_and_events_cross_them(
    suite: Suite, service_contracts: list[ServiceContract]
) -> None:
    count = len(service_contracts)
    _wait_ready(suite, [suite.api(i) for i in range(count)] + [suite.health(i) for i in range(count)], 180)

    # every api and worker is its own operating-system process, running its own service's command
    children = {pid: _cmdline(pid) for pid in _children(suite.process.pid)}
    commands = sorted((Path(argv[1]).name, argv[2]) for argv in children.values() if len(argv) > 2)
    assert commands == sorted((c.command, p) for c in service_contracts for p in ("api", "worker"))

    names = [c.name for c in service_contracts]
    catalogue, indicators = suite.api(names.index("catalogue")), suite.api(names.index("indicators"))
    token = subprocess.run(
        [str(BIN / "smile"), "dev-token", "--role", "catalogue_editor", "--role", "analyst", "--hei", "unicaen.fr"],
        env=suite.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=10) as client:
        before = client.get(f"{indicators}/catalogue/figures").json()["courses_published"]
        created = client.post(f"{catalogue}/courses", json=COURSE)
        assert created.status_code == 201, created.text
        published = client.post(f"{catalogue}/courses/{created.json()['id']}/publish")
        assert published.status_code == 200, published.text
        figure = before
        deadline = time.monotonic() + 60
        while figure != before + 1 and time.monotonic() < deadline:
            time.sleep(0.3)
            figure = client.get(f"{indicators}/catalogue/figures").json()["courses_published"]
        assert figure == before + 1, f"the publication did not reach the indicators process\n{suite.output()}"
        metrics = client.get(f"{suite.health(names.index('catalogue'))}/metrics").text
        assert 'smile_events_published_total{service="catalogue"}' in metrics

    # a clean stop: SIGTERM to `smile up` stops every process, which all exit
    suite.process.send_signal(signal.SIGTERM)
    assert suite.process.wait(timeout=60) == 0, suite.output()
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or _cmdline(pid) == [], f"process {pid} still runs"
    assert all(_port_free(suite.base + i) and _port_free(suite.base + 50 + i) for i in range(count))
