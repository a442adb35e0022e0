"""Bearer tokens: only well-signed RS256 tokens from the configured issuer, for this audience, pass."""

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from smile_common.errors import install_problem_handlers
from smile_common.security import (
    CurrentPrincipal,
    DevIssuer,
    Principal,
    Role,
    StaticKeyProvider,
    TokenVerifier,
    require_roles,
)


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="module")
def other_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("other"))


@pytest.fixture
def app(issuer: DevIssuer) -> FastAPI:
    verifier = TokenVerifier(issuer=issuer.issuer, audience="smile", keys=StaticKeyProvider(issuer.jwks()))
    app = FastAPI()
    app.state.runtime = SimpleNamespace(verifier=verifier)
    install_problem_handlers(app)

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"sub": principal.subject, "hei": principal.tenant, "roles": sorted(principal.roles)}

    @app.get("/staff-only")
    async def staff(principal: Principal = Depends(require_roles(Role.COORDINATOR))) -> dict[str, str]:
        return {"ok": principal.subject}

    return app


async def _get(app: FastAPI, path: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.get(path, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature)])


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": "smile-dev-issuer",
        "aud": "smile",
        "sub": "mallory",
        "exp": now + 600,
        "roles": ["admin"],
        "hei": "unicaen.fr",
        **over,
    }


async def test_a_valid_token_gives_the_principal(app: FastAPI, issuer: DevIssuer) -> None:
    token = issuer.mint(subject="alice", roles=["coordinator"], hei="UNICAEN.fr")
    response = await _get(app, "/me", token)
    assert response.status_code == 200
    assert response.json() == {"sub": "alice", "hei": "unicaen.fr", "roles": ["coordinator"]}


async def test_no_token_is_401_problem_with_www_authenticate(app: FastAPI) -> None:
    response = await _get(app, "/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "urn:smile:problem:unauthorized"


async def test_expired_token_is_401(app: FastAPI, issuer: DevIssuer) -> None:
    token = issuer.mint(subject="alice", roles=["coordinator"], hei="unicaen.fr", ttl_seconds=-600)
    response = await _get(app, "/me", token)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_token_signed_by_another_key_is_401(app: FastAPI, other_issuer: DevIssuer, issuer: DevIssuer) -> None:
    token = other_issuer.mint(subject="alice", roles=["admin"], hei="unicaen.fr")
    # same kid as the trusted key, so that only the signature differs
    _, body, sig = token.split(".")
    forged_header = _b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": issuer.kid}).encode())
    assert (await _get(app, "/me", f"{forged_header}.{body}.{sig}")).status_code == 401
    assert (await _get(app, "/me", token)).status_code == 401


async def test_alg_none_is_401(app: FastAPI, issuer: DevIssuer) -> None:
    token = _forge({"alg": "none", "typ": "JWT", "kid": issuer.kid}, _claims())
    assert (await _get(app, "/me", token)).status_code == 401


async def test_hs256_signed_with_the_public_key_is_401(app: FastAPI, issuer: DevIssuer) -> None:
    public = json.dumps(issuer.jwks()["keys"][0]).encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": issuer.kid}
    unsigned = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}"
    signature = hmac.new(public, unsigned.encode(), hashlib.sha256).digest()
    assert (await _get(app, "/me", f"{unsigned}.{_b64(signature)}")).status_code == 401


@pytest.mark.parametrize(("claim", "value"), [("iss", "https://evil.example"), ("aud", "another-api")])
async def test_wrong_issuer_or_audience_is_401(app: FastAPI, tmp_path: Path, claim: str, value: str) -> None:
    rogue = DevIssuer(
        tmp_path, issuer=value if claim == "iss" else "smile-dev-issuer", audience=value if claim == "aud" else "smile"
    )
    # trust rogue's key so that only the claim is wrong
    app.state.runtime.verifier.keys = StaticKeyProvider(rogue.jwks())
    token = rogue.mint(subject="alice", roles=["admin"], hei="unicaen.fr")
    assert (await _get(app, "/me", token)).status_code == 401


async def test_token_without_university_is_401(app: FastAPI, issuer: DevIssuer) -> None:
    token = issuer.mint(subject="alice", roles=["admin"], hei="")
    assert (await _get(app, "/me", token)).status_code == 401


async def test_garbage_and_wrong_scheme_are_401(app: FastAPI) -> None:
    assert (await _get(app, "/me", "not-a-jwt")).status_code == 401
    assert (await _get(app, "/me", None, Authorization="Basic dXNlcjpwYXNz")).status_code == 401


async def test_right_token_wrong_role_is_403(app: FastAPI, issuer: DevIssuer) -> None:
    token = issuer.mint(subject="bob", roles=["student"], hei="unicaen.fr")
    response = await _get(app, "/staff-only", token)
    assert response.status_code == 403
    assert response.json()["required_roles"] == ["coordinator"]
    ok = await _get(app, "/staff-only", issuer.mint(subject="carol", roles=["coordinator"], hei="unicaen.fr"))
    assert ok.status_code == 200


async def test_only_service_tokens_may_choose_their_tenant(app: FastAPI, issuer: DevIssuer) -> None:
    service = issuer.mint(subject="service:gateway", roles=["service"], hei="*")
    user = issuer.mint(subject="alice", roles=["coordinator"], hei="unicaen.fr")
    as_service = await _get(app, "/me", service, **{"X-Smile-Tenant": "univ-rennes.fr"})
    as_user = await _get(app, "/me", user, **{"X-Smile-Tenant": "univ-rennes.fr"})
    assert as_service.json()["hei"] == "univ-rennes.fr"
    assert as_user.json()["hei"] == "unicaen.fr"
