"""Database-level protection of the audit trail: rows cannot be updated, and on PostgreSQL not deleted
either except by the retention job (which says so with a transaction-local setting)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["PURGE_SETTING", "allow_purge", "install_append_only", "remove_append_only"]

PURGE_SETTING = "smile.audit_purge"


def install_append_only(op: Any, schema: str, table: str = "audit_log") -> None:
    """Called from a migration: refuse UPDATE (and, on PostgreSQL, DELETE outside a purge) on ``table``."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION "{schema}".{table}_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND current_setting('{PURGE_SETTING}', true) = 'on' THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{schema}".{table} '
            f'FOR EACH ROW EXECUTE FUNCTION "{schema}".{table}_append_only()'
        )
    elif dialect == "sqlite":
        op.execute(
            f'CREATE TRIGGER "{schema}".{table}_no_update BEFORE UPDATE ON {table} '
            "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
        )


def remove_append_only(op: Any, schema: str, table: str = "audit_log") -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON "{schema}".{table}')
        op.execute(f'DROP FUNCTION IF EXISTS "{schema}".{table}_append_only()')
    elif dialect == "sqlite":
        op.execute(f'DROP TRIGGER IF EXISTS "{schema}".{table}_no_update')


async def allow_purge(session: AsyncSession) -> None:
    """Let the current transaction delete expired audit entries (retention only)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        await session.execute(sa.select(sa.func.set_config(PURGE_SETTING, "on", True)))
