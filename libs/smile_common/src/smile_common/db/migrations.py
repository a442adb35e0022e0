"""Alembic, one migration tree per service.

Each service keeps its tree in ``smile_<service>/migrations`` (inside the package, so that an installed
wheel or a container image carries it) with a two-line ``env.py`` that calls :func:`run_env`. The version
table lives inside the service's schema and autogenerate only looks at that schema, so five trees share
one PostgreSQL database without seeing each other.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from smile_common.db.engine import Database

__all__ = ["UNMANAGED_TABLES", "MigrationTree", "run_env"]

VERSION_TABLE = "alembic_version"

_log = logging.getLogger("smile.migrations")


class MigrationTree:
    """The Alembic tree of one service, run programmatically against a :class:`Database`."""

    def __init__(self, directory: Path, metadata: sa.MetaData) -> None:
        self.directory = directory
        self.metadata = metadata
        if metadata.schema is None:
            raise ValueError("a service's metadata must name its schema")
        self.schema: str = metadata.schema

    def config(self, connection: Connection | None = None) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.directory))
        cfg.set_main_option("version_path_separator", "os")
        cfg.attributes["connection"] = connection
        cfg.attributes["metadata"] = self.metadata
        return cfg

    async def upgrade(self, database: Database, revision: str = "head") -> None:
        await self._ensure_schema(database)
        async with database.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(self.config(sync), revision))

    async def downgrade(self, database: Database, revision: str) -> None:
        async with database.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(self.config(sync), revision))

    async def current(self, database: Database) -> str | None:
        async with database.engine.connect() as conn:
            return await conn.run_sync(self._current)

    def _current(self, sync: Connection) -> str | None:
        ctx = MigrationContext.configure(sync, opts={"version_table_schema": self.schema})
        return ctx.get_current_revision()

    async def differences(self, database: Database) -> list[Any]:
        """What autogenerate would write: an empty list means the models and the migrations agree."""
        async with database.engine.connect() as conn:
            return await conn.run_sync(self._differences)

    def _differences(self, sync: Connection) -> list[Any]:
        ctx = MigrationContext.configure(sync, opts=_context_options(self.metadata, sync.dialect.name))
        return list(compare_metadata(ctx, self.metadata))

    async def revision(self, database: Database, message: str) -> None:
        """Autogenerate a new revision from the difference between the models and the database."""
        await self._ensure_schema(database)
        async with database.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.revision(self.config(sync), message=message, autogenerate=True))

    def heads(self) -> set[str]:
        """The head revision(s) of the tree shipped with this code."""
        return set(ScriptDirectory.from_config(self.config()).get_heads())

    def knows(self, revision: str) -> bool:
        try:
            return ScriptDirectory.from_config(self.config()).get_revision(revision) is not None
        except CommandError:
            return False

    async def wait_until_migrated(self, database: Database, *, timeout: float, interval: float = 2.0) -> str | None:
        """Wait until another process (the migration job) has brought the schema to this code's head.

        Returns ``None`` when the schema is at head, or the revision found when it is one this code does not
        know (a newer release migrated it: migrations are additive, so older code may still run). Raises
        :class:`TimeoutError` when the schema stays behind for ``timeout`` seconds.
        """
        heads = self.heads()
        deadline = time.monotonic() + timeout
        current: str | None = None
        while True:
            try:
                current = await self.current(database)
            except Exception as exc:  # database not reachable yet, or schema not created yet
                _log.info("waiting for the %s schema: %s", self.schema, exc)
            else:
                if current in heads:
                    return None
                if current is not None and not self.knows(current):
                    return current
            if time.monotonic() >= deadline:
                raise TimeoutError(f"schema {self.schema} is at {current or 'no revision'}, expected {sorted(heads)}")
            await asyncio.sleep(interval)

    async def _ensure_schema(self, database: Database) -> None:
        if not database.is_postgres:
            return
        # A service role owns its schema but need not be allowed to create schemas in the database:
        # only create it when it is missing.
        async with database.engine.begin() as conn:
            exists = await conn.scalar(
                sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": self.schema}
            )
            if not exists:
                await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))


#: ``metadata.info`` key: names (or ``prefix*``) of tables a service manages outside its models, which
#: autogenerate must neither create nor drop (e.g. SQLite FTS5 virtual tables and their shadow tables).
UNMANAGED_TABLES = "smile_unmanaged_tables"


def _unmanaged(metadata: sa.MetaData, name: str | None) -> bool:
    for pattern in metadata.info.get(UNMANAGED_TABLES, ()):
        if name == pattern or (pattern.endswith("*") and (name or "").startswith(pattern[:-1])):
            return True
    return False


def _for_dialect(item: Any, dialect: str) -> bool:
    """Whether a model's index exists on ``dialect``: ``Index(...).ddl_if(dialect="postgresql")`` makes an
    index PostgreSQL-only (a GIN index, say), which autogenerate would otherwise expect everywhere."""
    condition = getattr(item, "_ddl_if", None)
    wanted = getattr(condition, "dialect", None)
    if wanted is None:
        return True
    return dialect == wanted if isinstance(wanted, str) else dialect in wanted


def _context_options(metadata: sa.MetaData, dialect: str) -> dict[str, Any]:
    schema = metadata.schema

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "schema":
            return name == schema
        if type_ == "table":
            return not _unmanaged(metadata, name)
        return True

    def include_object(item: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return reflected or type_ != "index" or _for_dialect(item, dialect)

    return {
        "target_metadata": metadata,
        "version_table_schema": schema,
        "version_table": VERSION_TABLE,
        "include_schemas": True,
        "include_name": include_name,
        "include_object": include_object,
        "render_as_batch": True,
        "compare_type": True,
        "compare_server_default": False,
    }


def run_env() -> None:
    """Body of every service's ``env.py``: migrate with the connection handed over by MigrationTree."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    metadata = context.config.attributes.get("metadata")
    if connection is None or metadata is None:
        raise RuntimeError("run migrations with `smile-<service> migrate`, not with the alembic command")
    context.configure(connection=connection, **_context_options(metadata, connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()
