"""Where the test servers are, and throwaway databases on them."""

from __future__ import annotations

import os
import uuid

import asyncpg
from sqlalchemy.engine import make_url

__all__ = [
    "amqp_test_url",
    "create_test_database",
    "drop_test_database",
    "postgres_test_url",
    "require_infra",
    "stacks",
]


def require_infra() -> bool:
    return os.environ.get("SMILE_REQUIRE_INFRA", "") in {"1", "true", "yes"}


def postgres_test_url() -> str | None:
    """The PostgreSQL server for tests (``postgresql+asyncpg://user@host:port/anydb``)."""
    return os.environ.get("SMILE_TEST_DATABASE_URL") or None


def amqp_test_url() -> str | None:
    return os.environ.get("SMILE_TEST_AMQP_URL") or None


def stacks() -> list[str]:
    """The stacks to run integration tests on."""
    found = ["embedded"]
    if (postgres_test_url() and amqp_test_url()) or require_infra():
        found.append("infra")
    return found


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def create_test_database(server_url: str, prefix: str = "smile_test") -> str:
    """Create a database with a unique name on ``server_url``'s server; return its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_dsn(server_url), timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_test_database(url: str) -> None:
    parsed = make_url(url)
    name = parsed.database
    conn = await asyncpg.connect(_dsn(url, "postgres"), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
