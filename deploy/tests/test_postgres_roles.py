"""deploy/postgres/create-smile-roles.sh on a real PostgreSQL: a role and a schema per service, each role
migrates its own schema and cannot touch another's."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
import sqlalchemy as sa
from deploykit import DEPLOY
from sqlalchemy.engine import make_url

from smile_common.db.engine import create_database
from smile_common.testing.infra import create_test_database, drop_test_database, postgres_test_url, require_infra
from smile_suite.deployment import ServiceContract
from smile_suite.registry import SERVICES

SCRIPT = DEPLOY / "postgres" / "create-smile-roles.sh"


@pytest.fixture
def database() -> Iterator[tuple[str, str]]:
    """(url of a fresh database as the server's admin, role prefix unique to this test)."""
    server = postgres_test_url()
    if not server or not shutil.which("psql"):
        if require_infra():
            pytest.fail("SMILE_TEST_DATABASE_URL and psql are needed")
        pytest.skip("needs SMILE_TEST_DATABASE_URL and psql")
    url = asyncio.run(create_test_database(server, prefix="smile_roles"))
    prefix = f"smile_t{uuid.uuid4().hex[:8]}_"
    try:
        yield url, prefix
    finally:
        asyncio.run(drop_test_database(url))
        asyncio.run(_drop_roles(server, prefix))


async def _drop_roles(server: str, prefix: str) -> None:
    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        for (role,) in await conn.fetch("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", prefix + "%"):
            await conn.execute(f'DROP ROLE "{role}"')
    finally:
        await conn.close()


def _run_script(
    url: str, prefix: str, contracts: list[ServiceContract], **extra: str
) -> subprocess.CompletedProcess[str]:
    parsed = make_url(url)
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": parsed.host or "127.0.0.1",
        "PGPORT": str(parsed.port or 5432),
        "PGUSER": parsed.username or "postgres",
        "PGDATABASE": parsed.database or "",
        "SMILE_ROLE_PREFIX": prefix,
        **{f"SMILE_DB_PASSWORD_{c.schema.upper()}": f"pw-{c.schema}" for c in contracts},
        **extra,
    }
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return subprocess.run(["/bin/sh", str(SCRIPT)], env=env, capture_output=True, text=True, check=False, timeout=60)


def _as_role(url: str, role: str, password: str) -> str:
    return make_url(url).set(username=role, password=password).render_as_string(hide_password=False)


def test_each_service_role_owns_its_schema_and_only_it(
    database: tuple[str, str], service_contracts: list[ServiceContract]
) -> None:
    url, prefix = database
    first = _run_script(url, prefix, service_contracts)
    assert first.returncode == 0, first.stderr
    again = _run_script(url, prefix, service_contracts)  # idempotent: also how passwords are rotated
    assert again.returncode == 0, again.stderr

    async def check() -> None:
        definitions = {d.name: d for _, d in SERVICES}
        for contract in service_contracts:
            role = f"{prefix}{contract.schema}"
            db = create_database(_as_role(url, role, f"pw-{contract.schema}"), contract.schema, pool_size=1)
            try:
                await definitions[contract.name].migrations.upgrade(db)  # as its own role, no CREATE on the db
                assert await definitions[contract.name].migrations.differences(db) == []
            finally:
                await db.dispose()
        intruder, victim = service_contracts[-1], service_contracts[0]
        db = create_database(_as_role(url, f"{prefix}{intruder.schema}", "x"), intruder.schema, pool_size=1)
        try:
            for statement in (
                f'SELECT count(*) FROM "{victim.schema}".alembic_version',
                f'CREATE TABLE "{victim.schema}".stolen (id int)',
                "CREATE SCHEMA elsewhere",
                "CREATE TABLE public.stray (id int)",
            ):
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    async with db.engine.begin() as conn:
                        await conn.execute(sa.text(statement))
        finally:
            await db.dispose()

    asyncio.run(check())


def test_a_missing_password_is_refused_before_anything_changes(
    database: tuple[str, str], service_contracts: list[ServiceContract]
) -> None:
    url, prefix = database
    result = _run_script(url, prefix, service_contracts, SMILE_DB_PASSWORD_CATALOGUE="")
    assert result.returncode == 2
    assert "SMILE_DB_PASSWORD_CATALOGUE" in result.stderr
