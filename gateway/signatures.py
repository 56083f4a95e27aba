"""Is this webhook really from Vonage? Signatures checked with the Vonage SDK.

SMS API: the `sig` parameter, an HMAC over the sorted parameters (Auth.check_signature),
with its timestamp within 5 minutes. Messages API: a Bearer JWT signed HS256 with the
signature secret (vonage_jwt.verify_signature), whose payload_hash must be the SHA-256 of
the body we received. Without a secret, the path token; with neither, refused unless
ALLOW_UNSIGNED_WEBHOOKS. Each accepted signature is remembered, so a replay is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt
from vonage_http_client import Auth
from vonage_jwt import verify_signature
from vonage_jwt.errors import VonageVerifyJwtError

from gateway.config import Config
from gateway.errors import ApiError

WINDOW = 5 * 60  # seconds a signature stays acceptable


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message)


class WebhookAuth:
    """Checks one webhook request; returns the nonce to remember, if it was signed."""

    def __init__(self, config: Config):
        self.config = config
        secret = config.vonage_signature_secret
        # A separate Auth only for checking: the sending Auth must not carry the secret.
        self.sms_auth = Auth(api_key=config.vonage_api_key or "unused",
                             signature_secret=secret.reveal(),
                             signature_method=config.vonage_signature_method) if secret else None

    def check_sms(self, params: dict, query_token: str | None) -> str | None:
        """Check an SMS API webhook's parameters; return its replay key, or raise 401."""
        if self.sms_auth is None:
            self._check_token(query_token)
            return None
        sig = params.get("sig")
        if not isinstance(sig, str) or not sig:
            raise unauthorized("the webhook is not signed")
        if not sig.isascii():  # hmac.compare_digest refuses non-ASCII str with a TypeError
            raise unauthorized("the webhook signature does not match")
        # Our own ?token= in the webhook URL may or may not be among the signed parameters.
        without_token = {k: v for k, v in params.items() if k != "token"}
        if not (self.sms_auth.check_signature(dict(params))
                or ("token" in params and self.sms_auth.check_signature(without_token))):
            raise unauthorized("the webhook signature does not match")
        self._check_time(params.get("timestamp"))
        return f"sms:{params.get('nonce') or ''}:{sig.lower()}"

    def check_messages(
        self, authorization: str, body: bytes, query_token: str | None
    ) -> str | None:
        """Check a Messages API webhook's JWT; return its replay key, or raise 401."""
        if self.config.vonage_signature_secret is None:
            self._check_token(query_token)
            return None
        secret = self.config.vonage_signature_secret.reveal()
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip(" \t")  # not str.strip(): it would drop \x85 and other Unicode
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("the webhook has no Bearer token")
        if not token.isascii():
            raise unauthorized("the webhook token is not signed with our signature secret")
        try:
            valid = verify_signature(token, secret)
        except VonageVerifyJwtError:
            valid = False
        if not valid:
            raise unauthorized("the webhook token is not signed with our signature secret")
        claims = jwt.decode(token, secret, algorithms=["HS256"])
        signed_hash = str(claims.get("payload_hash", "")).encode("utf-8", "replace")
        body_hash = hashlib.sha256(body).hexdigest()
        if not hmac.compare_digest(signed_hash, body_hash.encode()):
            raise unauthorized("the webhook body does not match its signed payload_hash")
        self._check_time(claims.get("iat"))
        # The jti with the body it signs, as the SMS API's nonce with its sig: a jti the
        # signer gave two messages must not make the second look like a resend of the first.
        jti = claims.get("jti") or hashlib.sha256(token.encode()).hexdigest()
        return f"jwt:{jti}:{body_hash}"

    def _check_token(self, query_token: str | None) -> None:
        expected = self.config.webhook_token
        if expected is not None:
            given = (query_token or "").encode("utf-8", "replace")
            if not query_token or not hmac.compare_digest(given, expected.reveal().encode()):
                raise unauthorized("the webhook token is missing or wrong")
            return
        if not self.config.allow_unsigned_webhooks:
            raise unauthorized("webhooks are refused: set VONAGE_SIGNATURE_SECRET or "
                               "WEBHOOK_TOKEN (or ALLOW_UNSIGNED_WEBHOOKS=true for a local demo)")

    @staticmethod
    def _check_time(stamp) -> None:
        try:
            age = time.time() - int(str(stamp))
        except (TypeError, ValueError):
            raise unauthorized("the webhook signature has no valid timestamp") from None
        if abs(age) > WINDOW:
            raise unauthorized("the webhook signature is older than 5 minutes")
