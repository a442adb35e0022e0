"""EWP HTTP Signatures (draft-cavage with ``Digest``): client and server authentication."""

from smile_ewp_gateway.httpsig.client import EwpSignatureAuth, ResponseSignatureError, sign_request, verify_response
from smile_ewp_gateway.httpsig.keys import SigningKey, key_id, load_public_key_b64
from smile_ewp_gateway.httpsig.server import (
    Caller,
    ClientKeys,
    HttpSigError,
    RequestIdCache,
    response_signature_headers,
    verify_request,
    wants_signed_response,
)

__all__ = [
    "Caller",
    "ClientKeys",
    "EwpSignatureAuth",
    "HttpSigError",
    "RequestIdCache",
    "ResponseSignatureError",
    "SigningKey",
    "key_id",
    "load_public_key_b64",
    "response_signature_headers",
    "sign_request",
    "verify_request",
    "verify_response",
    "wants_signed_response",
]
