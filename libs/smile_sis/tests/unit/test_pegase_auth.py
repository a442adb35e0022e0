"""Pégase authentication: CAS ticket → JWT, reused until shortly before ``exp``, renewed once on 401/403."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest
import respx

from smile_sis import PegaseSIS, SisAuthenticationError, SisUnavailable
from smile_sis.pegase import jwt_expiry

CAS = "https://authn-app.test-unicaen.pc-scol.fr/cas/v1/tickets"
PERIODS = "https://chc.test-unicaen.pc-scol.fr/api/chc/v6/structure/ETAB00/periodes"


@respx.mock
async def test_the_cas_jwt_is_sent_as_bearer_and_reused_while_valid(pegase_config, jwt) -> None:
    token = jwt(3600)
    cas = respx.post(CAS).mock(return_value=httpx.Response(201, text=token))
    api = respx.get(PERIODS).mock(return_value=httpx.Response(200, json=[]))
    sis = PegaseSIS(pegase_config)
    await sis.list_periods()
    await sis.list_periods()
    await sis.aclose()
    assert cas.call_count == 1
    form = parse_qs(cas.calls[0].request.content.decode())
    assert form == {"username": ["svc-api"], "password": ["TEST-ONLY-secret"], "token": ["true"]}
    assert cas.calls[0].request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert [c.request.headers["authorization"] for c in api.calls] == [f"Bearer {token}"] * 2


@respx.mock
async def test_a_token_close_to_its_expiry_is_renewed_before_use(pegase_config, jwt) -> None:
    first, second = jwt(30), jwt(3600)  # 30 s left is inside the 60 s renewal margin
    cas = respx.post(CAS).mock(side_effect=[httpx.Response(201, text=first), httpx.Response(201, text=second)])
    api = respx.get(PERIODS).mock(return_value=httpx.Response(200, json=[]))
    sis = PegaseSIS(pegase_config)
    await sis.list_periods()
    await sis.list_periods()
    await sis.aclose()
    assert cas.call_count == 2
    assert api.calls[1].request.headers["authorization"] == f"Bearer {second}"


@pytest.mark.parametrize("status", [401, 403])
@respx.mock
async def test_a_refused_token_is_renewed_once_and_the_call_retried(pegase_config, jwt, status) -> None:
    stale, fresh = jwt(3600), jwt(3600) + "x"
    respx.post(CAS).mock(side_effect=[httpx.Response(201, text=stale), httpx.Response(201, text=fresh)])
    api = respx.get(PERIODS).mock(side_effect=[httpx.Response(status), httpx.Response(200, json=[])])
    sis = PegaseSIS(pegase_config)
    assert await sis.list_periods() == []
    await sis.aclose()
    assert [c.request.headers["authorization"] for c in api.calls] == [f"Bearer {stale}", f"Bearer {fresh}"]


@respx.mock
async def test_a_second_refusal_is_an_authentication_error_not_a_loop(pegase_config, jwt) -> None:
    cas = respx.post(CAS).mock(return_value=httpx.Response(201, text=jwt(3600)))
    api = respx.get(PERIODS).mock(return_value=httpx.Response(403, json={"code": "403", "message": "droits"}))
    sis = PegaseSIS(pegase_config)
    with pytest.raises(SisAuthenticationError) as caught:
        await sis.list_periods()
    await sis.aclose()
    assert api.call_count == 2
    assert cas.call_count == 2
    assert caught.value.retryable is False


@respx.mock
async def test_wrong_credentials_are_not_retryable_but_a_cas_outage_is(pegase_config) -> None:
    respx.post(CAS).mock(side_effect=[httpx.Response(401, text="bad credentials"), httpx.Response(503)])
    sis = PegaseSIS(pegase_config)
    with pytest.raises(SisAuthenticationError):
        await sis.list_periods()
    with pytest.raises(SisUnavailable) as caught:
        await sis.list_periods()
    await sis.aclose()
    assert caught.value.retryable is True


@respx.mock
async def test_timeouts_and_server_errors_are_retryable(pegase_config, jwt) -> None:
    respx.post(CAS).mock(return_value=httpx.Response(201, text=jwt(3600)))
    respx.get(PERIODS).mock(side_effect=[httpx.ReadTimeout("slow"), httpx.Response(500, json={"message": "boom"})])
    sis = PegaseSIS(pegase_config)
    for _ in range(2):
        with pytest.raises(SisUnavailable) as caught:
            await sis.list_periods()
        assert caught.value.retryable
    await sis.aclose()


def test_jwt_expiry_reads_exp_and_tolerates_opaque_tokens(jwt) -> None:
    assert jwt_expiry(jwt(100)) is not None
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry("a.!!!.c") is None
