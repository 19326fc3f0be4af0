"""Tokens of the local stack, checked by clients we did not write.

    python3 scripts/oidc_clients.py BASE APP_ID APP_KEY PUBLISH_AHEAD -- ROTATE...

Knowing only the issuer URL (BASE/), it reads the discovery document,
verifies access tokens with PyJWT's PyJWKClient against the JWKS it names,
and refreshes and revokes with Authlib's OAuth 2.0 client, before and after
a key rotation: ROTATE... is the command that rotates the stack's keys,
publishing the next one PUBLISH_AHEAD seconds before it signs. Exits 1 with
the first check that fails. Part of `make test` (scripts/fuzz.sh).
"""

import secrets
import subprocess
import sys
import time

import jwt
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError


def check(condition, message):
    if not condition:
        sys.exit(f"oidc_clients: {message}")


class Stack:
    def __init__(self, base, app_id, app_key):
        self.base, self.app_id, self.app_key = base, app_id, app_key
        self.issuer = base + "/"
        config = requests.get(self.issuer + ".well-known/openid-configuration", timeout=60).json()
        check(config["issuer"] == self.issuer, f"discovery names issuer {config['issuer']}")
        check("ES256" in config["id_token_signing_alg_values_supported"], "ES256 is not offered")
        self.config = config
        # Authlib's client for a public client: client_id in the body.
        self.oauth = OAuth2Session(
            client_id=app_key,
            token_endpoint_auth_method="none",
            revocation_endpoint_auth_method="none",
        )

    def sign_up(self):
        body = {"userName": "oidc" + secrets.token_hex(6), "pwd": "oidc-password-1", "platform": "web"}
        answer = requests.post(f"{self.base}/api/AppUsers/{self.app_id}/SignUp", json=body, timeout=60).json()
        check(answer["code"] == 200, f"sign-up failed: {answer}")
        return answer["data"]

    def verify(self, access_token):
        """The claims, verified by the key the JWKS publishes under the token's kid."""
        # A new client each time: what a verifier that never saw the key does.
        keys = jwt.PyJWKClient(self.config["jwks_uri"], cache_keys=False)
        key = keys.get_signing_key_from_jwt(access_token)
        claims = jwt.decode(
            access_token,
            key.key,
            algorithms=["ES256"],
            audience=self.app_key,
            issuer=self.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sid"]},
        )
        check(claims["appid"] == str(self.app_id), f"a token of app {claims['appid']}")
        return claims, key.key_id

    def refresh(self, refresh_token):
        return self.oauth.refresh_token(self.config["token_endpoint"], refresh_token=refresh_token)

    def published(self):
        jwks = requests.get(self.config["jwks_uri"], timeout=60).json()
        return [key["kid"] for key in jwks["keys"]]


def main():
    base, app_id, app_key, ahead = sys.argv[1:5]
    rotate = sys.argv[sys.argv.index("--") + 1 :]
    stack = Stack(base, int(app_id), app_key)

    before = stack.sign_up()
    claims, kid = stack.verify(before["access_token"])
    refreshed = stack.refresh(before["refresh_token"])
    check(refreshed["refresh_token"] != before["refresh_token"], "the refresh token did not rotate")
    refreshed_claims, _ = stack.verify(refreshed["access_token"])
    check(refreshed_claims["sid"] == claims["sid"], "a refresh changed the session")

    subprocess.run(rotate, check=True, stdout=subprocess.DEVNULL)
    # The functions read the key set again within a second (fuzz.sh sets
    # SIGNING_KEYS_RELOAD_SECONDS=1): the next key is published, not signing.
    time.sleep(1.5)
    published = stack.published()
    check(len(published) == 2 and published[0] == kid, f"after the rotation the JWKS lists {published}")
    meanwhile = stack.sign_up()
    _, meanwhile_kid = stack.verify(meanwhile["access_token"])
    check(meanwhile_kid == kid, "the next key signed before its time")

    time.sleep(float(ahead))
    after = stack.sign_up()
    _, after_kid = stack.verify(after["access_token"])
    check(after_kid == published[1], f"after publish-ahead tokens carry {after_kid}, not {published[1]}")
    # Tokens signed before the rotation still verify through the JWKS.
    for token in (before["access_token"], refreshed["access_token"], meanwhile["access_token"]):
        stack.verify(token)
    again = stack.refresh(refreshed["refresh_token"])
    _, again_kid = stack.verify(again["access_token"])
    check(again_kid == after_kid, "a refresh after the rotation is signed by the old key")

    # Revocation through the standard client ends the session.
    stack.oauth.revoke_token(stack.config["revocation_endpoint"], again["refresh_token"], "refresh_token")
    try:
        stack.refresh(again["refresh_token"])
        check(False, "a revoked refresh token still refreshed")
    except OAuthError as refused:
        check(refused.error == "invalid_grant", f"a revoked refresh token got {refused.error}")
    print(f"oidc_clients: ok (keys {kid} -> {after_kid})")


if __name__ == "__main__":
    main()
