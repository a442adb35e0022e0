"""pytest plugin: the ``smile_stack`` (session, parametrised) and ``make_harness`` fixtures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smile_common.events.bus import Bus, InMemoryBus
from smile_common.events.envelope import add_envelope_validator
from smile_common.service import ServiceDefinition
from smile_common.testing.browser import CHROMIUM_ARGS, chromium_path, require_browser
from smile_common.testing.contracts import EventContractValidator, find_contract_dir
from smile_common.testing.harness import ServiceHarness, Stack, new_bus, rabbit_for_cleanup
from smile_common.testing.infra import (
    amqp_test_url,
    create_test_database,
    drop_test_database,
    postgres_test_url,
    require_infra,
    stacks,
)

HarnessFactory = Callable[..., Awaitable[ServiceHarness]]


_EVENT_CONTRACTS: EventContractValidator | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _EVENT_CONTRACTS
    config.addinivalue_line("markers", "infra: needs PostgreSQL and RabbitMQ (the 'infra' stack)")
    config.addinivalue_line("markers", "unchecked_events: publish payloads that break their contract on purpose")
    directory = find_contract_dir(Path(str(config.rootpath)))
    if directory is not None and _EVENT_CONTRACTS is None:
        _EVENT_CONTRACTS = EventContractValidator(directory)
        add_envelope_validator(_EVENT_CONTRACTS)


@pytest.fixture(autouse=True)
def _event_contracts(request: pytest.FixtureRequest) -> Iterator[None]:
    """Check every produced or published event against its committed schema (see testing/contracts.py)."""
    if _EVENT_CONTRACTS is None:
        yield
        return
    _EVENT_CONTRACTS.enabled = request.node.get_closest_marker("unchecked_events") is None
    try:
        yield
    finally:
        _EVENT_CONTRACTS.enabled = True


@pytest.fixture(scope="session", params=stacks())
def smile_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack this test runs on; integration tests run once per stack."""
    root = tmp_path_factory.mktemp(f"stack-{request.param}")
    if request.param == "embedded":
        yield Stack("embedded", root)
        return
    server, amqp = postgres_test_url(), amqp_test_url()
    if not server or not amqp:
        message = "SMILE_TEST_DATABASE_URL and SMILE_TEST_AMQP_URL are needed for the infra stack"
        if require_infra():
            pytest.fail(message)
        pytest.skip(message)
    url = asyncio.run(create_test_database(server))
    try:
        yield Stack("infra", root, postgres_url=url, amqp_url=amqp)
    finally:
        asyncio.run(drop_test_database(url))


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A Playwright ``Browser`` on the machine's headless Chromium (see :mod:`smile_common.testing.browser`)."""
    path = chromium_path()
    if path is None:
        message = "no Chromium on this machine (apt-get install chromium, or set SMILE_CHROMIUM)"
        if require_browser():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="session")
def smile_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared data dir of the session: the dev issuer's key is generated once."""
    return tmp_path_factory.mktemp("smile-data")


@pytest.fixture
def smile_exchange() -> str:
    return f"smile.test.{uuid.uuid4().hex[:10]}"


@pytest.fixture
def smile_bus(smile_stack: Stack) -> Bus | None:
    """The in-process bus shared by the services of one test (``None`` on infra: each uses RabbitMQ)."""
    return new_bus(smile_stack)


@pytest.fixture
async def make_harness(
    smile_stack: Stack,
    smile_data_dir: Path,
    smile_bus: Bus | None,
    smile_exchange: str,
    tmp_path: Path,
) -> AsyncIterator[HarnessFactory]:
    """Build services for a test: ``await make_harness(definition, **settings_overrides)``."""
    made: list[ServiceHarness] = []

    async def factory(definition: ServiceDefinition, **overrides: Any) -> ServiceHarness:
        harness = await ServiceHarness.create(
            definition,
            stack=smile_stack,
            workdir=tmp_path / f"svc{len(made)}",
            data_dir=smile_data_dir,
            bus=overrides.pop("bus", smile_bus),
            exchange=smile_exchange,
            **overrides,
        )
        made.append(harness)
        return harness

    yield factory
    consumers = [c.name for h in made for c in h.runtime.consumers()]
    for harness in reversed(made):
        await harness.close()
    if isinstance(smile_bus, InMemoryBus):
        await smile_bus.close()
    cleanup = rabbit_for_cleanup(smile_stack, smile_exchange)
    if cleanup is not None:
        try:
            await cleanup.delete_topology(consumers)
        finally:
            await cleanup.close()
