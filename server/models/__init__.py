"""All Tortoise models, one app label ("models"). Each module adds its line here."""

from server.models.accounts import (
    AuditEvent,
    Device,
    LoginAttempt,
    Office,
    Role,
    StaffSession,
    User,
)
from server.models.files import Blob, Upload
from server.models.reference import FormDefinition, Holiday, PermitType, Region

__all__ = [
    "AuditEvent",
    "Blob",
    "Device",
    "FormDefinition",
    "Holiday",
    "LoginAttempt",
    "Office",
    "PermitType",
    "Region",
    "Role",
    "StaffSession",
    "Upload",
    "User",
]
