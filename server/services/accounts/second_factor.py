"""TOTP second factor (RFC 6238, pyotp) with one-time recovery codes.

Required for admins and supervisors, optional for everyone else. A code is accepted once:
the last accepted time step is stored and only a later step passes, checked and written in
one conditional UPDATE so two workers cannot both take the same code. Recovery codes are
stored as Argon2 hashes and each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server.models import RecoveryCode, Role, User
from server.services import audit
from server.services.accounts import passwords

REQUIRED_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
ISSUER = "Jemput Bola"
RECOVERY_CODES = 10
STEP_SECONDS = 30
# One step either side of now: a phone clock a little off still works.
VALID_WINDOW = 1


def required(user: User) -> bool:
    return user.role in REQUIRED_ROLES or user.totp_secret is not None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR as inline SVG, drawn on the server (no script, no CDN)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, border=2))


def sign_pending(secret_key: str, session_id: str, secret: str) -> str:
    """The not-yet-confirmed secret travels in the setup form, signed to this session."""
    message = f"totp-setup|{session_id}|{secret}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def pending_is_genuine(secret_key: str, session_id: str, secret: str, signature: str) -> bool:
    expected = sign_pending(secret_key, session_id, secret)
    return hmac.compare_digest(expected.encode(), signature.encode())


def _digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())


def _matching_step(secret: str, code: str, now: float) -> int | None:
    code = _digits(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS).encode(), code.encode()):
            return step
    return None


async def verify(user: User, code: str, *, now: float | None = None) -> bool:
    """True once per code: a code (or an earlier one) already used is refused."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, time.time() if now is None else now)
    if step is None:
        return False
    taken = await (
        User.filter(id=user.id)
        .filter(Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step))
        .update(totp_last_step=step)
    )
    if taken:
        user.totp_last_step = step
    return bool(taken)


async def confirm_enrolment(user: User, secret: str, code: str) -> list[str] | None:
    """Stores the secret if ``code`` proves the authenticator holds it; returns the new
    recovery codes (shown once), or None for a wrong code."""
    step = _matching_step(secret, code, time.time())
    if step is None:
        return None
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    hashes = [passwords.hash_password(code) for code in codes]
    async with in_transaction():
        user.totp_secret = secret
        user.totp_last_step = step
        await user.save(update_fields=["totp_secret", "totp_last_step"])
        await RecoveryCode.filter(user=user).delete()
        await RecoveryCode.bulk_create([RecoveryCode(user=user, code_hash=h) for h in hashes])
        await audit.record("second_factor.enrol", actor=user, object_type="user", object_id=user.id)
    return codes


def _recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits, typed rarely and only once each
    return f"{raw[:5]}-{raw[5:]}"


def looks_like_recovery_code(code: str) -> bool:
    code = _digits(code).lower()
    return len(code) == 11 and code[5] == "-"


async def use_recovery_code(user: User, code: str) -> bool:
    code = _digits(code).lower()
    for row in await RecoveryCode.filter(user=user, used_at__isnull=True):
        if passwords.verify_password(row.code_hash, code):
            used = await RecoveryCode.filter(id=row.id, used_at__isnull=True).update(
                used_at=datetime.now(UTC)
            )
            if used:
                left = await RecoveryCode.filter(user=user, used_at__isnull=True).count()
                await audit.record(
                    "second_factor.recovery_code",
                    actor=user,
                    object_type="user",
                    object_id=user.id,
                    left=left,
                )
            return bool(used)
    return False


async def reset(user: User, *, actor: User | None) -> None:
    """A lost phone: the secret and the recovery codes go; the next sign-in enrols anew."""
    async with in_transaction():
        user.totp_secret = None
        user.totp_last_step = None
        await user.save(update_fields=["totp_secret", "totp_last_step"])
        await RecoveryCode.filter(user=user).delete()
        await audit.record(
            "second_factor.reset", actor=actor, object_type="user", object_id=user.id
        )
