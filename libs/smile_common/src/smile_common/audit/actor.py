"""Who did something: a user, a partner university, another SMILE service, or the system itself.

The actor of an audit entry is found from the session the change is written in: an explicit
:func:`act_as`, else the principal of the HTTP request that opened the session, else the event being
handled, else ``system:unknown``. Services seldom need to say anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from smile_common.db.session import REQUEST_KEY
from smile_common.events.consumer import ENVELOPE_KEY
from smile_common.security.principal import Principal, Role

__all__ = [
    "ENVELOPE_KEY",
    "REQUEST_KEY",
    "Actor",
    "ActorType",
    "act_as",
    "actor_of_session",
]

_ACTOR_KEY = "smile_actor"


class ActorType(StrEnum):
    USER = "user"
    PARTNER = "partner"
    SERVICE = "service"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Actor:
    """The author of a change or a read, as recorded in the audit trail."""

    type: ActorType
    id: str
    roles: tuple[str, ...] = ()
    #: on whose behalf, when a service or the system acts for a person (e.g. a data-subject request).
    on_behalf_of: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        roles = tuple(sorted(r.value for r in principal.roles))
        if Role.SERVICE in principal.roles:
            return cls(ActorType.SERVICE, principal.subject, roles)
        return cls(ActorType.USER, principal.subject, roles)

    @classmethod
    def partner(cls, hei_id: str) -> Actor:
        """A partner university acting through EWP (identified by its SCHAC code)."""
        return cls(ActorType.PARTNER, hei_id.lower())

    @classmethod
    def system(cls, job: str, *, on_behalf_of: str | None = None) -> Actor:
        """SMILE itself: a scheduled job, a synchronisation, a seed."""
        return cls(ActorType.SYSTEM, job, on_behalf_of=on_behalf_of)

    @classmethod
    def service(cls, name: str) -> Actor:
        return cls(ActorType.SERVICE, name)

    @property
    def label(self) -> str:
        return f"{self.type.value}:{self.id}"


def act_as(session: AsyncSession | Session, actor: Actor) -> None:
    """Record every audit entry written in ``session`` from now on as done by ``actor``.

    Use it in event handlers when the event says who really acted (a partner through EWP), and in
    jobs (``Actor.system("retention")``).
    """
    _info(session)[_ACTOR_KEY] = actor


def actor_of_session(session: AsyncSession | Session) -> Actor:
    info = _info(session)
    explicit = info.get(_ACTOR_KEY)
    if isinstance(explicit, Actor):
        return explicit
    request = info.get(REQUEST_KEY)
    if request is not None:
        principal = getattr(request.state, "principal", None)
        if isinstance(principal, Principal):
            return Actor.of(principal)
        return Actor(ActorType.ANONYMOUS, "-")
    envelope = info.get(ENVELOPE_KEY)
    if envelope is not None:
        return Actor.service(_service_of_source(str(envelope.source)))
    return Actor.system("unknown")


def event_id_of_session(session: AsyncSession | Session) -> str | None:
    envelope = _info(session).get(ENVELOPE_KEY)
    return str(envelope.id) if envelope is not None else None


def _service_of_source(source: str) -> str:
    # sources are "/smile/<service>"
    return source.rstrip("/").rsplit("/", 1)[-1] or source


def _info(session: AsyncSession | Session) -> dict[Any, Any]:
    return session.info
