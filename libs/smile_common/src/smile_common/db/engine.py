"""Async engines for one service's schema.

On PostgreSQL the service's tables live in their own schema of the shared database. On SQLite (the
embedded default) the service's file is attached to every connection under the schema's name, so that
``catalogue.course`` means the same thing on both backends and the same models and queries run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

__all__ = ["Database", "create_database", "ensure_postgres_database"]


@dataclass
class Database:
    """The engine and session factory of one service, bound to its schema."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    schema: str
    #: path of the SQLite file attached under ``schema``; ``None`` on PostgreSQL.
    sqlite_path: Path | None = None
    _after_commit_hooks: list[Any] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def create_database(url: str, schema: str, *, pool_size: int = 10, echo: bool = False) -> Database:
    """Create the engine for ``schema`` at ``url`` (``postgresql+asyncpg://…`` or ``sqlite+aiosqlite:///file``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite(parsed.database, schema, echo=echo)
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        echo=echo,
        connect_args={"server_settings": {"application_name": f"smile-{schema}"}},
    )
    return Database(engine=engine, sessionmaker=_sessionmaker(engine), schema=schema)


def _create_sqlite(database: str | None, schema: str, *, echo: bool) -> Database:
    if not database or database == ":memory:":
        raise ValueError("the embedded backend needs a SQLite file path, not an in-memory database")
    path = Path(database).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    # The main database of each connection is an empty in-memory one; the service's file is attached
    # under its schema name. A real pool lets readers and the relay work beside a writer (WAL mode).
    engine = create_async_engine(
        "sqlite+aiosqlite://",
        poolclass=AsyncAdaptedQueuePool,
        pool_size=5,
        max_overflow=5,
        echo=echo,
    )
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _attach(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide when a transaction starts (see _begin below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f'ATTACH DATABASE ? AS "{schema}"', (str(path),))
        cursor.execute(f'PRAGMA "{schema}".journal_mode=WAL')
        cursor.execute(f'PRAGMA "{schema}".synchronous=NORMAL')
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: two deferred transactions that both upgrade to writers
        # would otherwise fail with "database is locked" instead of waiting for each other.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return Database(engine=engine, sessionmaker=_sessionmaker(engine), schema=schema, sqlite_path=path)


def _sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def ensure_postgres_database(url: str) -> bool:
    """Create the database named in ``url`` if it does not exist yet; return whether it was created."""
    import asyncpg

    parsed = make_url(url)
    name = parsed.database
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin, timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        await conn.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await conn.close()
