"""Argon2id password hashing and the weak-password policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.services.errors import ServiceError

MIN_LENGTH = 8
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


def check_strength(password: str, *, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Kata sandi minimal {MIN_LENGTH} karakter (password too short).")
    lowered = password.lower()
    if lowered in common_passwords() or (username and username.lower() in lowered):
        raise WeakPassword(
            "Kata sandi terlalu umum atau memuat nama pengguna; pilih yang lain "
            "(password is too common or contains the username)."
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
