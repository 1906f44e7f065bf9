"""People, their sessions and devices, and the audit trail of what they did."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    OFFICER = "officer"  # petugas lapangan
    VERIFIER = "verifier"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Office(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=200)
    region_code = fields.CharField(max_length=20)
    address = fields.CharField(max_length=300, default="")
    phone = fields.CharField(max_length=40, default="")
    email = fields.CharField(max_length=120, default="")
    hours = fields.CharField(max_length=200, default="")  # opening hours as shown to citizens

    class Meta:
        table = "office"


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    full_name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=20)
    office: fields.ForeignKeyNullableRelation[Office] = fields.ForeignKeyField(
        "models.Office", related_name="users", null=True, on_delete=fields.SET_NULL
    )
    # Region-code prefixes this person works in, e.g. ["63.71", "63.03.05"].
    area_codes = fields.JSONField(default=list)
    password_hash = fields.CharField(max_length=255)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    password_changed_at = fields.DatetimeField(null=True)
    # TOTP second factor (RFC 6238): the base32 secret once confirmed, and the last time step
    # accepted, so a code is never taken twice.
    totp_secret = fields.CharField(max_length=64, null=True)
    totp_last_step = fields.BigIntField(null=True)
    # Set when an admin revokes one of this officer's tablets: no new enrolment until an admin
    # allows it again (`jemput user allow-enrol` or the admin page).
    enrol_blocked = fields.BooleanField(default=False)

    class Meta:
        table = "app_user"


class RecoveryCode(Model):
    """One-time codes for a lost authenticator, stored as Argon2 hashes."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=255)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "recovery_code"


class StaffSession(Model):
    """Server-side back-office session: the cookie carries a random id, the row carries the
    rest, so logging out (deleting the row) kills every copy of the cookie."""

    id_hash = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)
    # Idle timeout: a request after SESSION_IDLE_MINUTES without one ends the session.
    last_seen_at = fields.DatetimeField(null=True)
    # False between the password and the second factor: such a session opens no page.
    second_factor_done = fields.BooleanField(default=True)
    language = fields.CharField(max_length=5, default="id")

    class Meta:
        table = "staff_session"


class RateLimitCounter(Model):
    """Fixed-window counters for RATE_LIMIT_STORAGE=database (written by raw SQL in
    server/services/throttling/database_storage.py)."""

    bucket = fields.CharField(max_length=200, primary_key=True)
    hits = fields.IntField()
    expires_at = fields.FloatField(db_index=True)  # epoch seconds

    class Meta:
        table = "rate_limit_counter"


class Device(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="devices", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="revoked_devices", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "device"


class AuditEvent(Model):
    """Append-only and hash-chained (server/services/audit.py): row ``seq`` carries the hash
    of row ``seq - 1``; on PostgreSQL a trigger refuses UPDATE and DELETE."""

    id = fields.BigIntField(primary_key=True)
    # Gapless position in the chain, assigned under the append lock (null only before 0008).
    seq = fields.BigIntField(null=True, unique=True)
    prev_hash = fields.CharField(max_length=64, default="", db_default="")
    hash = fields.CharField(max_length=64, default="", db_default="")
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_events", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=64, db_index=True)
    object_type = fields.CharField(max_length=40, default="")
    object_id = fields.CharField(max_length=64, default="")
    detail = fields.JSONField(default=dict)

    class Meta:
        table = "audit_event"
