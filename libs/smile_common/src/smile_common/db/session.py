"""Session per request: whoever receives the request commits or rolls back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["REQUEST_KEY", "SessionDep", "get_session"]

#: ``session.info`` key of the request that opened the session (the audit trail reads its principal).
REQUEST_KEY = "smile_request"


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Open a session for the request; commit when the endpoint returns, roll back when it raises."""
    database = request.app.state.runtime.database
    async with database.sessionmaker() as session:
        session.info[REQUEST_KEY] = request
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


#: ``scope="function"`` commits before the response is sent, so a failed commit is reported to the caller
#: instead of being lost after a 2xx has already gone out.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
