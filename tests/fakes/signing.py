"""Sign webhooks the way Vonage signs them, written from Vonage's documentation, not the SDK.

SMS API (docs/vonage.md §4.1, "Manually generate a signature"): every parameter except ``sig``,
sorted by key, ``&`` and ``=`` in values replaced by ``_``, joined as ``&k1=v1&k2=v2``; then
HMAC(secret, string) for the HMAC methods (Vonage sends those as UPPER-case hex), or
md5(string + secret) in lower-case hex for the dashboard's plain "MD5 hash" method (``md5hash``).

Messages API (§4.2): an HS256 JWT in ``Authorization: Bearer``, signed with the signature secret,
with ``api_key``, ``iat`` and a ``payload_hash`` = sha256 hex of the exact body bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping

import jwt

HMAC_METHODS = ("md5", "sha1", "sha256", "sha512")
SIGNATURE_METHODS = (*HMAC_METHODS, "md5hash")


def signature_base(params: Mapping[str, object]) -> str:
    """Return the string Vonage signs: ``&k1=v1&k2=v2...`` over every parameter but ``sig``."""
    return "".join(
        f"&{key}={str(params[key]).replace('&', '_').replace('=', '_')}"
        for key in sorted(params)
        if key != "sig"
    )


def sms_signature(params: Mapping[str, object], secret: str, method: str = "sha256") -> str:
    """Return the ``sig`` Vonage would send for these parameters."""
    base = signature_base(params)
    if method == "md5hash":
        return hashlib.md5((base + secret).encode()).hexdigest()
    if method not in HMAC_METHODS:
        raise ValueError(f"unknown signature method {method!r}; use one of {SIGNATURE_METHODS}")
    return hmac.new(secret.encode(), base.encode(), method).hexdigest().upper()


def sign_sms_params(
    params: Mapping[str, object], secret: str, method: str = "sha256", *, add_nonce: bool = True
) -> dict[str, str]:
    """Return a signed copy of an SMS API webhook's parameters, every value a string.

    Adds ``timestamp`` (now) and ``nonce`` (a random UUID) unless ``params`` has them; pass
    ``add_nonce=False`` to sign without a nonce (as the SDK's published test vectors do).
    """
    signed = {key: str(value) for key, value in params.items() if key != "sig"}
    signed.setdefault("timestamp", str(int(time.time())))
    if add_nonce:
        signed.setdefault("nonce", str(uuid.uuid4()))
    signed["sig"] = sms_signature(signed, secret, method)
    return signed


def messages_jwt(
    body: bytes,
    secret: str,
    *,
    api_key: str = "abcd1234",
    iat: int | None = None,
    exp: int | None = None,
    jti: object = None,
) -> str:
    """Return the HS256 JWT Vonage would send (as ``Bearer <token>``) with this exact body.

    ``jti`` is a random UUID unless given (any JSON value, to test what a signer may put in it).
    """
    claims: dict[str, object] = {
        "api_key": api_key,
        "iat": int(time.time()) if iat is None else iat,
        "jti": str(uuid.uuid4()) if jti is None else jti,
        "payload_hash": hashlib.sha256(body).hexdigest(),
    }
    if exp is not None:
        claims["exp"] = exp
    return jwt.encode(claims, secret, algorithm="HS256")
