"""HTTP signatures against the locally generated vectors (cross-checked with openssl when generated)."""

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from smile_ewp_gateway.httpsig import SigningKey, key_id, load_public_key_b64
from smile_ewp_gateway.httpsig.cavage import parse_http_date, rsa_sign, signing_string
from smile_ewp_gateway.httpsig.client import verify_response
from smile_ewp_gateway.httpsig.server import response_signature_headers, verify_request

REPO = next(p for p in Path(__file__).resolve().parents if (p / "specs" / "ewp").is_dir())
VECTORS = REPO / "specs" / "ewp" / "_local" / "test-vectors" / "httpsig"
V = json.loads((VECTORS / "httpsig-vectors.json").read_text())


def _key(name: str) -> SigningKey:
    return SigningKey.from_pem((VECTORS / V[name]["private_pem_file"]).read_bytes())


class Keys:
    def __init__(self, client: rsa.RSAPublicKey, server_ids: set[str], heis: frozenset[str]) -> None:
        self.client, self.server_ids, self.heis = client, server_ids, heis

    def client_key(self, kid: str) -> tuple[rsa.RSAPublicKey, frozenset[str]] | None:
        return (self.client, self.heis) if kid == key_id(self.client) else None

    def is_server_key(self, kid: str) -> bool:
        return kid in self.server_ids


def test_key_ids_are_the_sha256_of_the_der_public_key() -> None:
    assert _key("client_key").key_id == V["client_key"]["keyId_sha256_hex"]
    assert _key("server_key").key_id == V["server_key"]["keyId_sha256_hex"]
    assert _key("client_key").public_b64 == V["client_key"]["manifest_rsa_public_key_base64"]
    assert (
        key_id(load_public_key_b64(V["server_key"]["manifest_rsa_public_key_base64"]))
        == V["server_key"]["keyId_sha256_hex"]
    )


def test_key_id_of_the_upstream_manifest_example_key() -> None:
    from smile_ewp_gateway.xmlkit.schemas import XSD_DIR

    text = (XSD_DIR / "api-discovery" / "manifest-example.xml").read_text()
    b64 = text.split("<rsa-public-key>")[1].split("</rsa-public-key>")[0]
    assert key_id(load_public_key_b64(b64)) == V["spec_example_key"]["expected_sha256"]


def _request_headers() -> list[tuple[str, str]]:
    return [(k.lower(), v) for k, v in V["request"]["headers"].items()]


def test_request_signing_string_and_signature_match_the_vector() -> None:
    req = V["request"]
    text = signing_string(req["signed_headers"], _request_headers(), "post /ewp/iia-cnr/")
    assert text == (VECTORS / "request-signing-string.txt").read_text()
    assert rsa_sign(_key("client_key").private_key, text) == req["signature_base64"]
    minimal = V["request_minimal_variant"]
    text = signing_string(minimal["signed_headers"], _request_headers(), "post /ewp/iia-cnr/")
    assert text == (VECTORS / "request-minimal-signing-string.txt").read_text()
    assert rsa_sign(_key("client_key").private_key, text) == minimal["signature_base64"]


@pytest.mark.parametrize(
    "authorization", [V["request"]["headers"]["Authorization"], V["request_minimal_variant"]["authorization"]]
)
def test_the_vector_request_is_accepted(authorization: str) -> None:
    headers = [(k, v) for k, v in _request_headers() if k != "authorization"] + [("authorization", authorization)]
    now = parse_http_date(V["request"]["headers"]["Date"])
    assert now is not None
    client = _key("client_key")
    caller = verify_request(
        method="POST",
        request_target="/ewp/iia-cnr/",
        headers=headers,
        body=V["request"]["body"].encode(),
        keys=Keys(client.public_key, {_key("server_key").key_id}, frozenset({"uw.edu.pl"})),
        now=now,
        expected_host="ewp.receiver.example",
    )
    assert caller.key_id == V["client_key"]["keyId_sha256_hex"]
    assert caller.hei_ids == {"uw.edu.pl"}
    assert caller.request_id == V["request"]["headers"]["X-Request-Id"]


def test_the_vector_response_signature_is_reproduced() -> None:
    resp = V["response"]
    now = parse_http_date(resp["headers"]["Date"])
    assert isinstance(now, datetime)
    added = dict(
        response_signature_headers(
            key=_key("server_key"),
            body=resp["body"].encode(),
            content_type=None,
            request_id=resp["headers"]["X-Request-Id"],
            request_signature=resp["headers"]["X-Request-Signature"],
            now=now,
            date_header="date",
        )
    )
    assert added["date"] == resp["headers"]["Date"]
    assert added["digest"] == resp["headers"]["Digest"]
    assert added["signature"] == resp["headers"]["Signature"]


def test_the_vector_response_verifies_on_the_client_side() -> None:
    req, resp = V["request"], V["response"]
    request = httpx.Request("POST", req["url"], headers=req["headers"], content=req["body"].encode())
    response = httpx.Response(200, headers=resp["headers"], content=resp["body"].encode(), request=request)
    server = serialization.load_pem_public_key((VECTORS / V["server_key"]["public_pem_file"]).read_bytes())
    assert isinstance(server, rsa.RSAPublicKey)
    now = parse_http_date(resp["headers"]["Date"])
    kid = verify_response(response, server_keys={V["server_key"]["keyId_sha256_hex"]: server}, now=now)
    assert kid == V["server_key"]["keyId_sha256_hex"]
