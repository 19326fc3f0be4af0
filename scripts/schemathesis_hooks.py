"""schemathesis hooks for scripts/fuzz.sh."""

import hashlib
import hmac
import os
import secrets
import time

import requests
import schemathesis

SIGNATURE_HEADERS = {"x-oauthapp-timestamp", "x-oauthapp-nonce", "x-oauthapp-signature"}


class AppBackendSignature(requests.auth.AuthBase):
    """Signs the request as sent, the way the app's backend does (see the
    `X-OAuthApp-Signature` parameter in openapi.yaml)."""

    def __init__(self, secret):
        self.secret = secret.encode()

    def __call__(self, request):
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        # http.client sends header values as Latin-1.
        authorization = request.headers.get("Authorization", "")
        if isinstance(authorization, str):
            authorization = authorization.encode("latin-1")
        signed = b"\n".join(
            [
                timestamp.encode(),
                nonce.encode(),
                request.method.encode(),
                request.path_url.encode(),
                hashlib.sha256(authorization).hexdigest().encode(),
                body,
            ]
        )
        request.headers["X-OAuthApp-Timestamp"] = timestamp
        request.headers["X-OAuthApp-Nonce"] = nonce
        request.headers["X-OAuthApp-Signature"] = hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        return request


@schemathesis.hook
def before_call(context, case, kwargs):
    """Signs requests that carry all three signature headers.

    Generated signatures are never valid, so every such request would stop
    at the 401 of the signature check (which the integration tests cover);
    signed properly (with a new nonce each time), it reaches what the app's
    backend may do. Requests with only some of the headers still get their
    401.
    """
    if SIGNATURE_HEADERS <= {name.lower() for name in case.headers or {}}:
        kwargs["auth"] = AppBackendSignature(os.environ["FUZZ_APP_SECRET"])


@schemathesis.hook
def map_body(context, body):
    """Keeps raw (not JSON) bodies valid UTF-8, and OAuth requests on the app.

    `cargo lambda watch` answers a body that is not UTF-8 under a JSON or
    text content type with a 500 of its own, before any function runs.
    API Gateway hands such a body to the function base64-encoded, and the
    functions answer it with a 400 (see `malformed_bodies_are_rejected` in
    functions/account/tests/validation.rs). The replacement characters keep
    the body malformed, so it still exercises the functions' JSON errors.
    """
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace").encode("utf-8")
    # The OAuth edge names its app in the body: the provisioned one, so
    # requests reach the refresh and revocation instead of invalid_client.
    if isinstance(body, dict) and "client_id" in body:
        body["client_id"] = os.environ["FUZZ_APP_KEY"]
    return body
