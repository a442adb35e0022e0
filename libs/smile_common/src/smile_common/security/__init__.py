"""Bearer-token security: JWT verification, the principal (roles + tenant), role checks, dev issuer."""

from smile_common.security.devissuer import DevIssuer
from smile_common.security.jwt import JwksKeyProvider, KeyProvider, StaticKeyProvider, TokenVerifier
from smile_common.security.principal import (
    TENANT_HEADER,
    CurrentPrincipal,
    OptionalPrincipal,
    Principal,
    Role,
    current_principal,
    optional_principal,
    require_roles,
)

__all__ = [
    "TENANT_HEADER",
    "CurrentPrincipal",
    "DevIssuer",
    "JwksKeyProvider",
    "KeyProvider",
    "OptionalPrincipal",
    "Principal",
    "Role",
    "StaticKeyProvider",
    "TokenVerifier",
    "current_principal",
    "optional_principal",
    "require_roles",
]
