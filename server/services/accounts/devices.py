"""Per-device credentials for the field app: issued at enrollment, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from server.models import Device, Role, StaffSession, User
from server.services import audit
from server.services.errors import Forbidden, NotFound, ServiceError, Unauthorized

# Writing last_seen_at on every request would turn each read into a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class Enrollment:
    device: Device
    token: str


def _hash(token: str) -> str:
    # The token is 256 random bits, so a fast hash is enough; Argon2 would only slow every call.
    return hashlib.sha256(token.encode()).hexdigest()


async def enroll(user: User, device_name: str) -> Enrollment:
    if user.role != Role.OFFICER and user.role != Role.ADMIN:
        raise Forbidden(
            "Hanya petugas lapangan yang dapat mendaftarkan tablet "
            "(only field officers can enroll a device)."
        )
    if user.enrol_blocked:
        await audit.record(
            "device.enroll_refused", actor=user, object_type="user", object_id=user.id
        )
        raise Forbidden(
            "Tablet petugas ini pernah dicabut; minta admin mengizinkan pendaftaran lagi "
            "(a tablet of this officer was revoked; ask an admin to allow enrolment again).",
            code="enrol_blocked",
        )
    name = (device_name or "").strip()[:100] or "Tablet"
    token = secrets.token_urlsafe(32)
    device = await Device.create(id=uuid.uuid4(), user=user, name=name, token_hash=_hash(token))
    await audit.record("device.enroll", actor=user, object_type="device", object_id=device.id)
    return Enrollment(device=device, token=token)


async def authenticate(token: str) -> Device:
    if not token:
        raise Unauthorized(
            "Perangkat belum terdaftar; masuk lagi saat online (device token missing).",
            code="device_token_missing",
        )
    device = await Device.get_or_none(token_hash=_hash(token)).select_related("user")
    if device is None:
        raise Unauthorized(
            "Token perangkat tidak dikenal; daftarkan ulang perangkat ini (unknown device token).",
            code="device_unknown",
        )
    if device.revoked_at is not None or not device.user.is_active:
        await audit.record(
            "device.refused",
            actor=device.user,
            object_type="device",
            object_id=device.id,
            reason="revoked" if device.revoked_at is not None else "user_disabled",
        )
        raise Unauthorized(
            "Perangkat ini telah dicabut oleh admin; data lokal dihapus (device revoked).",
            code="device_revoked",
        )
    now = datetime.now(UTC)
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        await Device.filter(id=device.id).update(last_seen_at=now)
    return device


async def revoke(device_id: str | uuid.UUID, *, actor: User) -> Device:
    """Revoking a tablet (lost, stolen, shared) also ends its officer's back-office sessions
    and blocks enrolling another tablet until an admin allows it (``allow_enrolment``)."""
    try:
        device_uuid = uuid.UUID(str(device_id))
    except ValueError as exc:
        raise ServiceError("ID perangkat tidak valid (invalid device id).") from exc
    device = await Device.get_or_none(id=device_uuid)
    if device is None:
        raise NotFound("Perangkat tidak ditemukan (no such device).")
    if device.revoked_at is None:
        device.revoked_at = datetime.now(UTC)
        device.revoked_by = actor
        await device.save(update_fields=["revoked_at", "revoked_by_id"])
        await User.filter(id=device.user_id).update(enrol_blocked=True)  # type: ignore[attr-defined]
        await StaffSession.filter(user_id=device.user_id).delete()  # type: ignore[attr-defined]
        await audit.record("device.revoke", actor=actor, object_type="device", object_id=device.id)
    return device


async def allow_enrolment(user: User, *, actor: User | None) -> User:
    if user.enrol_blocked:
        user.enrol_blocked = False
        await user.save(update_fields=["enrol_blocked"])
        await audit.record(
            "device.enroll_allowed", actor=actor, object_type="user", object_id=user.id
        )
    return user


async def log_out(device: Device) -> None:
    """The officer logged out of the field app: this device token stops working now."""
    if device.revoked_at is None:
        device.revoked_at = datetime.now(UTC)
        device.revoked_by = device.user
        await device.save(update_fields=["revoked_at", "revoked_by_id"])
    await audit.record(
        "device.logout", actor=device.user, object_type="device", object_id=device.id
    )


async def list_devices() -> list[Device]:
    return await Device.all().order_by("-created_at").prefetch_related("user")
