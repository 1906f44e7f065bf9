"""Accounts: create, list, disable, set passwords, authenticate with throttling."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.models import Office, Role, User
from server.services import audit
from server.services.accounts import passwords, sessions
from server.services.errors import Conflict, NotFound, ServiceError

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
LOGIN_FAILED = "Nama pengguna atau kata sandi salah (wrong username or password)."


async def create_user(
    username: str,
    password: str,
    *,
    full_name: str,
    role: Role | str,
    office_code: str | None = None,
    area_codes: list[str] | None = None,
    actor: User | None = None,
) -> User:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ServiceError(
            "Nama pengguna 3–64 karakter: huruf kecil, angka, titik, garis bawah atau strip "
            "(username: 3–64 lowercase letters, digits, . _ -).",
            code="invalid_username",
        )
    try:
        role = Role(role)
    except ValueError as exc:
        allowed = ", ".join(r.value for r in Role)
        raise ServiceError(f"Peran tidak dikenal (unknown role); use one of: {allowed}.") from exc
    if not full_name.strip():
        raise ServiceError("Nama lengkap wajib diisi (full name is required).")
    passwords.check_strength(password, username=username, role=role.value)
    office = None
    if office_code:
        office = await Office.get_or_none(code=office_code)
        if office is None:
            raise NotFound(f"Kantor {office_code!r} tidak ditemukan (unknown office).")
    if await User.exists(username=username):
        raise Conflict(f"Nama pengguna {username!r} sudah dipakai (username already taken).")
    try:
        async with in_transaction():
            user = await User.create(
                username=username,
                full_name=full_name.strip(),
                role=role,
                office=office,
                area_codes=list(area_codes or []),
                password_hash=passwords.hash_password(password),
                password_changed_at=datetime.now(UTC),
            )
            await audit.record("user.create", actor=actor, object_type="user", object_id=user.id)
    except IntegrityError as exc:
        raise Conflict(
            f"Nama pengguna {username!r} sudah dipakai (username already taken)."
        ) from exc
    return user


async def get_user(username: str) -> User:
    user = await User.get_or_none(username=username.strip().lower())
    if user is None:
        raise NotFound(f"Pengguna {username!r} tidak ditemukan (no such user).")
    return user


async def list_users() -> list[User]:
    return await User.all().order_by("username").prefetch_related("office")


async def set_active(username: str, active: bool, *, actor: User | None = None) -> User:
    user = await get_user(username)
    user.is_active = active
    await user.save(update_fields=["is_active"])
    if not active:
        await sessions.end_all_for(user)
    await audit.record(
        "user.enable" if active else "user.disable",
        actor=actor,
        object_type="user",
        object_id=user.id,
    )
    return user


async def set_password(username: str, password: str, *, actor: User | None = None) -> User:
    user = await get_user(username)
    passwords.check_strength(password, username=user.username, role=user.role.value)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = datetime.now(UTC)
    await user.save(update_fields=["password_hash", "password_changed_at"])
    await audit.record("user.set_password", actor=actor, object_type="user", object_id=user.id)
    return user


async def authenticate(username: str, password: str) -> User:
    """Check a password. Unknown users and wrong passwords get the same answer and cost the
    same time. Throttling is the web layer's (server/web/ratelimit.py): it knows addresses."""
    username = (username or "").strip().lower()
    user = await User.get_or_none(username=username) if username else None
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        raise ServiceError(LOGIN_FAILED, code="login_failed")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        await user.save(update_fields=["password_hash"])
    return user


AREA_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


def check_area_codes(area_codes: list[str]) -> list[str]:
    """Region-code prefixes, each like 63 / 63.71 / 63.71.01 / 63.71.01.1001, no duplicates."""
    clean: list[str] = []
    for raw in area_codes:
        code = raw.strip()
        if not code:
            continue
        if not AREA_RE.match(code):
            raise ServiceError(
                f"Kode wilayah {code!r} tidak dikenal; tulis seperti 63.71 "
                f"(area {code!r} is not a region code like 63.71).",
                code="invalid_area",
            )
        if code not in clean:
            clean.append(code)
    return clean


async def update_user(
    username: str,
    *,
    full_name: str,
    role: Role | str,
    office_code: str | None,
    area_codes: list[str],
    actor: User | None = None,
) -> User:
    """Change what an administrator may change; the audit row names the fields changed."""
    user = await get_user(username)
    await user.fetch_related("office")
    try:
        new_role = Role(role)
    except ValueError as exc:
        allowed = ", ".join(r.value for r in Role)
        raise ServiceError(f"Peran tidak dikenal (unknown role); use one of: {allowed}.") from exc
    if not full_name.strip():
        raise ServiceError("Nama lengkap wajib diisi (full name is required).")
    office = None
    if office_code:
        office = await Office.get_or_none(code=office_code)
        if office is None:
            raise NotFound(f"Kantor {office_code!r} tidak ditemukan (unknown office).")
    areas = check_area_codes(area_codes)
    before = {
        "full_name": user.full_name,
        "role": user.role.value,
        "office": user.office.code if user.office else None,
        "area_codes": list(user.area_codes or []),
    }
    after = {
        "full_name": full_name.strip(),
        "role": new_role.value,
        "office": office.code if office else None,
        "area_codes": areas,
    }
    changed = sorted(key for key in after if after[key] != before[key])
    if not changed:
        return user
    async with in_transaction():
        user.full_name = str(after["full_name"])
        user.role = new_role
        user.office = office
        user.area_codes = areas
        await user.save(update_fields=["full_name", "role", "office_id", "area_codes"])
        if before["role"] != new_role.value:
            await sessions.end_all_for(user)  # a new role starts with a new sign-in
        await audit.record(
            "user.update",
            actor=actor,
            object_type="user",
            object_id=user.id,
            changed=changed,
            role=[before["role"], new_role.value] if "role" in changed else None,
        )
    return user
