"""Who is calling: roles and tenant from the bearer token, and the FastAPI dependencies that check them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from smile_common.errors import Forbidden, Unauthorized

__all__ = [
    "TENANT_HEADER",
    "CurrentPrincipal",
    "OptionalPrincipal",
    "Principal",
    "Role",
    "current_principal",
    "optional_principal",
    "require_roles",
]

#: machine callers (role ``service``) name the tenant they act for in this header.
TENANT_HEADER = "X-Smile-Tenant"


class Role(StrEnum):
    STUDENT = "student"
    COORDINATOR = "coordinator"
    REFERENT = "referent"
    REGISTRAR = "registrar"
    CATALOGUE_EDITOR = "catalogue_editor"
    ANALYST = "analyst"
    ADMIN = "admin"
    #: the data protection officer: audit trail, retention reports, data-subject requests.
    DPO = "dpo"
    #: the disability and health office (mission handicap): the only staff who read students' support needs.
    DISABILITY_OFFICER = "disability_officer"
    SERVICE = "service"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. ``tenant`` is the SCHAC code of the university they act for."""

    subject: str
    tenant: str
    roles: frozenset[Role]
    ounits: frozenset[str] = frozenset()
    email: str | None = None
    name: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return self.has_any(
            Role.COORDINATOR, Role.REFERENT, Role.REGISTRAR, Role.CATALOGUE_EDITOR, Role.ANALYST, Role.ADMIN, Role.DPO
        )

    def for_tenant(self, tenant: str) -> Principal:
        return Principal(self.subject, tenant, self.roles, self.ounits, self.email, self.name, self.claims)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


#: declares the bearer scheme in OpenAPI (``security`` on every operation that reads the caller);
#: the header itself is parsed by :func:`_bearer`, which rejects malformed schemes with a 401.
_bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    bearerFormat="JWT",
    description="OIDC access token (RS256) with `roles` and `hei` (the university's SCHAC code) claims.",
)


async def optional_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Principal | None:
    """The caller if a token was sent (and is valid), else ``None``; an invalid token is still a 401."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    token = _bearer(request)
    if token is None:
        return None
    principal: Principal = await request.app.state.runtime.verifier.verify(token)
    if Role.SERVICE in principal.roles and (tenant := request.headers.get(TENANT_HEADER)):
        principal = principal.for_tenant(tenant.strip().lower())
    request.state.principal = principal
    return principal


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized("This endpoint needs a bearer token.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: Role) -> Callable[..., Any]:
    """A dependency that lets through only callers holding one of ``roles``."""
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.roles & allowed:
            raise Forbidden(
                "Your role does not allow this operation.",
                required_roles=sorted(r.value for r in allowed),
            )
        return principal

    return check
