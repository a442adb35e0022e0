"""Keep files and rows in step: no orphan file after a rollback, no lost file after a failed delete."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from smile_common.documents.store import DocumentStore

__all__ = ["delete_after_commit", "discard_on_rollback"]

_log = logging.getLogger("smile.documents")
_ROLLBACK_KEY = "smile_documents_written"
_COMMIT_KEY = "smile_documents_deleted"
#: deletions under way (a task must be referenced until it ends).
_TASKS: set[asyncio.Task[None]] = set()


def discard_on_rollback(session: AsyncSession, store: DocumentStore, key: str) -> None:
    """Delete the file ``key`` (just written) if the transaction that records it rolls back."""
    session.sync_session.info.setdefault(_ROLLBACK_KEY, []).append((store, key))


def delete_after_commit(session: AsyncSession, store: DocumentStore, key: str) -> None:
    """Delete the file ``key`` once the transaction that deletes (or anonymises) its row has committed."""
    session.sync_session.info.setdefault(_COMMIT_KEY, []).append((store, key))


def _delete_later(pending: list[tuple[DocumentStore, str]]) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        for store, key in pending:
            with contextlib.suppress(OSError, ValueError):
                store._path(key).unlink(missing_ok=True)
        return
    for store, key in pending:
        task = loop.create_task(store.delete(key))
        _TASKS.add(task)
        task.add_done_callback(_report)


def _report(task: asyncio.Task[Any]) -> None:
    _TASKS.discard(task)
    if not task.cancelled() and task.exception() is not None:
        _log.error("a document file could not be deleted: %s", task.exception())


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_ROLLBACK_KEY, None)
    pending = session.info.pop(_COMMIT_KEY, None)
    if pending:
        _delete_later(pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_COMMIT_KEY, None)
    pending = session.info.pop(_ROLLBACK_KEY, None)
    if pending:
        _delete_later(pending)
