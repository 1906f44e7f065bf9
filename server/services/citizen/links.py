"""The secrets in citizens' links (status page, feedback ticket) and how they are checked.

A receipt's link carries a token of 128 random bits made on the tablet; the server keeps only
its sha256. A tablet that enrols again cannot get that token back, so the server also accepts
a *reprint token*: an HMAC of the application id under the server's SECRET_KEY, cut to 128
bits. It is never stored (it can be derived again at any time), is handed only to devices that
may see the application (in the sync pull), and stops working if SECRET_KEY changes. Both are
compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

REPRINT_CONTEXT = b"jemput-bola status link reprint v1:"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derived(secret_key: str, context: bytes, object_id: str) -> str:
    mac = hmac.new(secret_key.encode(), context + object_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


def reprint_token(secret_key: str, application_id: str) -> str:
    return _derived(secret_key, REPRINT_CONTEXT, application_id)


def status_token_ok(token: str, stored_hash: str, secret_key: str, application_id: str) -> bool:
    """The tablet's own token or the server's reprint token; both checks always run."""
    own = hmac.compare_digest(token_hash(token), stored_hash)
    reprint = hmac.compare_digest(
        token.encode(), reprint_token(secret_key, application_id).encode()
    )
    return own | reprint


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits, 22 characters


def ticket_token_ok(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored_hash)


def hmac_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
