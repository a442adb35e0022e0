"""The bad-input table of client authentication (DIGEST §4.2, §13): each row's status and XML body.

Every answer, accepted or not, must be an XML document valid against its schema; errors carry an
``<error-response>`` whose developer message says what was wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import APIRouter, Response

from smile_ewp_gateway.httpsig import SigningKey, verify_response
from smile_ewp_gateway.httpsig.cavage import digest_header, format_params, http_date, rsa_sign, signing_string
from smile_ewp_gateway.httpsig.keys import generate_private_key
from smile_ewp_gateway.server.framework import EwpContext, ewp_endpoint, xml_response
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E

ERR = f"{{{ns.COMMON}}}"
STRANGER = SigningKey(generate_private_key())


@dataclass
class Craft:
    """How to build one request: what to sign, and what to change before or after signing."""

    method: str = "POST"
    body: bytes = b"echo=hello"
    names: list[str] = field(
        default_factory=lambda: ["(request-target)", "host", "date", "x-request-id", "digest", "content-type"]
    )
    key: str = "partner"  # partner | stranger | server
    headers: dict[str, str | Callable[[], str]] = field(default_factory=dict)
    after: dict[str, str | None] = field(default_factory=dict)
    algorithm: str = "rsa-sha256"
    key_id: str | None = None
    tamper: bool = False


def build(world: World, craft: Craft, path: str = "/echo") -> httpx.Request:
    url = world.url(path)
    keys = {"partner": world.partner.client_key, "stranger": STRANGER, "server": world.partner.server_key}
    key = keys[craft.key]
    headers = {
        "Host": "ewp.smile.test",
        "Date": http_date(datetime.now(UTC)),
        "X-Request-Id": str(uuid.uuid4()),
        "Digest": digest_header(craft.body),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept-Signature": "rsa-sha256",
        **{k: v() if callable(v) else v for k, v in craft.headers.items()},
    }
    lower = [(k.lower(), v) for k, v in headers.items()]
    target = f"{craft.method.lower()} /ewp/hei/{SMILE_HEI}{path}"
    signature = rsa_sign(key.private_key, signing_string(craft.names, lower, target))
    if craft.tamper:
        signature = signature[:-8] + ("AAAAAAA=" if not signature.endswith("AAAAAAA=") else "BBBBBBB=")
    params = format_params(craft.key_id or key.key_id, craft.names, signature).replace("rsa-sha256", craft.algorithm)
    headers["Authorization"] = f"Signature {params}"
    for name, value in craft.after.items():
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return httpx.Request(craft.method, url, headers=headers, content=craft.body)


async def send(world: World, request: httpx.Request) -> httpx.Response:
    async with world.client() as client:
        return await client.send(request)


def _now(delta: timedelta) -> Callable[[], str]:
    """A date computed when the request is built (the table is built once, long before some rows run)."""
    return lambda: http_date(datetime.now(UTC) + delta)


_NO_DIGEST = ["(request-target)", "host", "date", "x-request-id", "content-type"]
_NO_ID = ["(request-target)", "host", "date", "digest", "content-type"]
_NO_DATE = ["(request-target)", "host", "x-request-id", "digest", "content-type"]
_NO_TARGET = ["host", "date", "x-request-id", "digest", "content-type"]

TABLE: list[tuple[str, Craft, int, str]] = [
    ("no Authorization header", Craft(after={"Authorization": None}), 401, "HTTP Signature"),
    ("Bearer instead of Signature", Craft(after={"Authorization": "Bearer abc"}), 401, "HTTP Signature"),
    ("unparseable parameters", Craft(after={"Authorization": "Signature keyId=oops"}), 400, "unparseable"),
    ("wrong algorithm", Craft(algorithm="hmac-sha256"), 400, "rsa-sha256"),
    ("digest not signed", Craft(names=_NO_DIGEST), 400, "digest"),
    ("x-request-id not signed", Craft(names=_NO_ID), 400, "x-request-id"),
    ("no date nor original-date signed", Craft(names=_NO_DATE), 400, "date"),
    ("(request-target) not signed", Craft(names=_NO_TARGET), 400, "(request-target)"),
    ("signed header missing", Craft(after={"Content-Type": None}), 400, "content-type"),
    ("another host", Craft(headers={"Host": "evil.test"}, after={"Host": "evil.test"}), 400, "Host"),
    ("keyId not a sha-256", Craft(key_id="NOT-A-KEY"), 400, "keyId"),
    ("key unknown to the registry", Craft(key="stranger"), 403, "not a client key"),
    ("request signed with a server key", Craft(key="server"), 403, "server key"),
    ("date 10 minutes old", Craft(headers={"Date": _now(timedelta(minutes=-10))}), 400, "5 min"),
    ("date 10 minutes ahead", Craft(headers={"Date": _now(timedelta(minutes=10))}), 400, "5 min"),
    ("date not an HTTP date", Craft(headers={"Date": "2025-01-07 10:00"}), 400, "HTTP date"),
    ("X-Request-Id in uppercase", Craft(headers={"X-Request-Id": str(uuid.uuid4()).upper()}), 400, "canonical"),
    ("X-Request-Id not a UUID", Craft(headers={"X-Request-Id": "request-1"}), 400, "canonical"),
    ("signature does not verify", Craft(tamper=True), 400, "does not verify"),
    ("Digest changed after signing", Craft(after={"Digest": digest_header(b"echo=other")}), 400, "does not match"),
    ("digest of another body", Craft(headers={"Digest": digest_header(b"echo=other")}), 400, "does not match"),
    ("SHA= only", Craft(headers={"Digest": "SHA=uoGdfJbz1zHPx2VS7nH9cdWNAvc="}), 400, "SHA-256"),
    ("digest not base64", Craft(headers={"Digest": "SHA-256=???"}), 400, "base64"),
    ("wrong method", Craft(method="PUT"), 405, "not allowed"),
    (
        "XML body instead of a form",
        Craft(body=b"<?xml version='1.0'?><echo>x</echo>", headers={"Content-Type": "text/xml"}),
        415,
        "form",
    ),
]


async def test_refused_requests(world: World) -> None:
    """One network for the whole table (each row is a fresh request); a failure names its row."""
    for case, craft, status, message in TABLE:
        response = await send(world, build(world, craft))
        assert response.status_code == status, f"{case}: {response.text}"
        root = assert_valid_xml(response)
        assert root.tag == f"{ERR}error-response", case
        assert message in (root.findtext(f"{ERR}developer-message") or ""), f"{case}: {response.text}"
        if status == 401:
            assert response.headers["www-authenticate"] == 'Signature realm="EWP"', case
            assert response.headers["want-digest"] == "SHA-256", case
        if status == 405:
            assert response.headers["allow"] == "GET, POST", case


ACCEPTED: list[tuple[str, Craft]] = [
    ("minimal header set", Craft(names=["(request-target)", "host", "date", "digest", "x-request-id"])),
    (
        "headers in another order",
        Craft(names=["x-request-id", "digest", "content-type", "date", "host", "(request-target)"]),
    ),
    (
        "Original-Date instead of Date",
        Craft(
            headers={"Original-Date": _now(timedelta(0))},
            after={"Date": None},
            names=["(request-target)", "host", "original-date", "x-request-id", "digest"],
        ),
    ),
    ("several digests", Craft(headers={"Digest": "SHA=uoGdfJbz1zHPx2VS7nH9cdWNAvc=, " + digest_header(b"echo=hello")})),
    ("digest algorithm in mixed case", Craft(headers={"Digest": digest_header(b"echo=hello").replace("SHA", "shA")})),
    (
        "extra signed header",
        Craft(
            headers={"X-Extra": "1"}, names=["(request-target)", "host", "date", "x-request-id", "digest", "x-extra"]
        ),
    ),
    ("extra unsigned headers", Craft(after={"X-Unsigned": "1", "Cookie": "a=b"})),
    (
        "GET with empty body",
        Craft(
            method="GET",
            body=b"",
            headers={"Content-Type": "text/plain"},
            names=["(request-target)", "host", "date", "x-request-id", "digest"],
        ),
    ),
]


async def test_accepted_variants(world: World) -> None:
    for case, craft in ACCEPTED:
        response = await send(world, build(world, craft))
        assert response.status_code == 200, f"{case}: {response.text}"
        assert assert_valid_xml(response).tag.endswith("}response"), case


async def test_error_answers_are_signed_when_asked(world: World) -> None:
    request = build(world, Craft(key="stranger"))
    response = await send(world, request)
    assert response.status_code == 403
    catalogue = await world.gateway.registry.catalogue()
    entry = catalogue.api(SMILE_HEI, "echo", 2)
    assert entry is not None
    assert verify_response(response, server_keys=catalogue.server_keys(entry))
    assert response.headers["x-request-id"] == request.headers["x-request-id"]


async def test_a_replayed_request_is_refused(world: World) -> None:
    request = build(world, Craft())
    assert (await send(world, request)).status_code == 200
    again = await send(world, request)
    assert again.status_code == 400
    assert "already used" in (assert_valid_xml(again).findtext(f"{ERR}developer-message") or "")


async def test_unknown_institution_in_the_url(world: World) -> None:
    response = await send(
        world,
        build(world, Craft(), path="/echo").__class__(
            "POST", world.url("/echo", hei="nowhere.example"), headers={"Host": "ewp.smile.test"}
        ),
    )
    assert response.status_code == 404
    assert_valid_xml(response)


async def test_unsigned_headers_never_reach_the_endpoint(world: World) -> None:
    router = APIRouter()

    @ewp_endpoint(
        router, "/hei/{hei_id}/test-headers", api="test", endpoint="url", operation_id="testHeaders", summary="test"
    )
    async def seen(ctx: EwpContext) -> Response:
        e = E(ns.api_ns("echo", 2))
        root = e.root("response")
        for name in sorted(ctx.request.headers.keys()):
            e.sub(root, "echo", name)
        return xml_response(root)

    world.harness.app.include_router(router)
    craft = Craft(
        headers={"X-Signed": "yes"},
        after={"X-Unsigned": "no", "Cookie": "a=b"},
        names=["(request-target)", "host", "date", "x-request-id", "digest", "x-signed"],
    )
    response = await send(world, build(world, craft, path="/test-headers"))
    assert response.status_code == 200, response.text
    seen_names = [e.text for e in assert_valid_xml(response).iter("{*}echo")]
    assert "x-signed" in seen_names
    assert "x-unsigned" not in seen_names
    assert "cookie" not in seen_names
    assert "accept-signature" not in seen_names
