"""Argon2id password hashing and the weak-password policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from server.services.errors import ServiceError

# NIST SP 800-63B (rev. 4): length over complexity, no composition rules, a blocklist.
MIN_LENGTH = 8
PRIVILEGED_MIN_LENGTH = 15  # admins and supervisors
MAX_LENGTH = 256
PRIVILEGED_ROLES = frozenset({"admin", "supervisor"})
# zxcvbn is slow on very long input and learns nothing more from it.
_SCORED_PREFIX = 100
_CONTEXT_WORDS = ("jemput", "bola", "dpmptsp", "perizinan", "petugas")
_COMMON_FILE = Path(__file__).resolve().parents[2] / "reference" / "common-passwords.txt"
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

# Computed once so that checking an unknown username costs the same as a real one.
_DUMMY_HASH = _hasher.hash("jemput-bola-timing-equaliser")


class WeakPassword(ServiceError):
    code = "weak_password"


@cache
def common_passwords() -> frozenset[str]:
    words = _COMMON_FILE.read_text(encoding="utf-8").split()
    return frozenset(word.strip().lower() for word in words if word.strip())


def check_strength(password: str, *, username: str = "", role: str = "") -> None:
    """Refuses a password that is short for the role, on a common or breached list (the
    project's Indonesian list and zxcvbn's 30,000 most common passwords), built from the
    username, or otherwise easy to guess (zxcvbn score below 2). Any characters are allowed."""
    minimum = PRIVILEGED_MIN_LENGTH if str(role) in PRIVILEGED_ROLES else MIN_LENGTH
    if len(password) < minimum:
        raise WeakPassword(f"Kata sandi minimal {minimum} karakter (password too short).")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(
            f"Kata sandi maksimal {MAX_LENGTH} karakter (password longer than {MAX_LENGTH})."
        )
    lowered = password.lower()
    if lowered in common_passwords() or (username and username.lower() in lowered):
        raise WeakPassword(
            "Kata sandi terlalu umum atau memuat nama pengguna; pilih yang lain "
            "(password is too common or contains the username)."
        )
    inputs = [username, *_CONTEXT_WORDS] if username else list(_CONTEXT_WORDS)
    if zxcvbn(password[:_SCORED_PREFIX], user_inputs=inputs)["score"] < 2:
        raise WeakPassword(
            "Kata sandi mudah ditebak; pakai kalimat pendek beberapa kata yang tidak umum "
            "(password is easy to guess; use a few uncommon words)."
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
