"""Hardening seen from outside: security headers everywhere, rate limits that spare other clients."""

from __future__ import annotations

import asyncio
import time

import httpx

from smile_common.testing.harness import PRODUCTION_RATE_LIMITS

from .sample import DEFINITION


def _client(service, address: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=service.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://sample.test")


async def test_every_kind_of_response_carries_the_security_headers(make_harness) -> None:
    service = await make_harness(DEFINITION)
    responses = {
        "public": await service.client.get("/applicants/count", params={"hei": "unicaen.fr"}),
        "problem": await service.client.get("/no-such-route"),
        "unauthenticated": await service.client.post("/applicants", json={}),
        "authenticated": await service.client.get("/data-protection/audit", headers=service.headers("dpo")),
        "openapi": await service.client.get("/openapi.json"),
        "docs": await service.client.get("/docs"),
    }
    for name, response in responses.items():
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["x-frame-options"] == "DENY", name
        assert headers["referrer-policy"] == "no-referrer", name
        assert headers["strict-transport-security"].startswith("max-age=31536000"), name
        assert "frame-ancestors 'none'" in headers["content-security-policy"], name
        assert "server" not in headers, name
    assert responses["public"].headers["content-security-policy"].startswith("default-src 'none'")
    assert responses["authenticated"].headers["cache-control"] == "no-store"
    assert "cache-control" not in responses["public"].headers


async def test_a_burst_from_one_address_is_limited_while_others_are_served(make_harness) -> None:
    service = await make_harness(DEFINITION, **PRODUCTION_RATE_LIMITS)
    attacker, neighbour = _client(service, "198.51.100.7"), _client(service, "203.0.113.20")
    params = {"hei": "unicaen.fr"}
    try:
        burst = [attacker.get("/applicants/count", params=params) for _ in range(1000)]
        served: list[int] = []

        async def neighbour_keeps_browsing() -> None:
            for _ in range(20):
                served.append((await neighbour.get("/applicants/count", params=params)).status_code)
                await asyncio.sleep(0)

        started = time.monotonic()
        results, _ = await asyncio.gather(asyncio.gather(*burst), neighbour_keeps_browsing())
        elapsed = time.monotonic() - started
    finally:
        await attacker.aclose()
        await neighbour.aclose()
    statuses = [r.status_code for r in results]
    # the burst allowance (60) plus what refills (300/minute) while the burst runs
    assert statuses.count(200) <= 60 + 5 * elapsed + 1
    assert statuses.count(429) >= 1000 - 60 - 5 * elapsed - 1
    assert set(statuses) == {200, 429}
    refused = next(r for r in results if r.status_code == 429)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:smile:problem:too-many-requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert served == [200] * 20
    # health probes are never limited
    assert (await service.client.get("/healthz")).status_code == 200


async def test_failed_authentications_lock_out_the_address_not_the_others(make_harness) -> None:
    service = await make_harness(
        DEFINITION, **{**PRODUCTION_RATE_LIMITS, "rate_limit_auth_failures": "6/minute burst 5"}
    )
    guesser, colleague = _client(service, "198.51.100.9"), _client(service, "203.0.113.21")
    try:
        statuses = []
        for attempt in range(8):
            bad = {"Authorization": f"Bearer not-a-token-{attempt}"}
            statuses.append((await guesser.get("/data-protection/audit", headers=bad)).status_code)
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429] * 3
        # even a valid token from the locked-out address waits; the colleague is served
        valid = service.headers("dpo")
        assert (await guesser.get("/data-protection/audit", headers=valid)).status_code == 429
        assert (await colleague.get("/data-protection/audit", headers=valid)).status_code == 200
    finally:
        await guesser.aclose()
        await colleague.aclose()


async def test_limits_are_configurable_and_can_be_switched_off(make_harness) -> None:
    limits = {
        **PRODUCTION_RATE_LIMITS,
        "rate_limit_anonymous": "",
        "rate_limit_paths": {"/applicants/": "2/hour burst 2"},
    }
    service = await make_harness(DEFINITION, **limits)
    client = _client(service, "192.0.2.1")
    try:
        statuses = [(await client.get("/applicants/count", params={"hei": "x"})).status_code for _ in range(4)]
        other_path = [(await client.get("/no-such-route")).status_code for _ in range(100)]
    finally:
        await client.aclose()
    assert statuses == [200, 200, 429, 429]
    assert set(other_path) == {404}
