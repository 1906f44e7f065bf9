"""All Tortoise models, one app label ("models"). Each module adds its line here."""

from server.models.accounts import (
    AuditEvent,
    Device,
    Office,
    RateLimitCounter,
    RecoveryCode,
    Role,
    StaffSession,
    User,
)
from server.models.applications import (
    Application,
    ApplicationBlob,
    ApplicationDuplicate,
    MutationResult,
    StatusChange,
    SyncClient,
    SyncConflict,
    SyncCounter,
    SyncPushLog,
)
from server.models.citizen import Feedback, SurveyResponse
from server.models.files import Blob, Upload
from server.models.reference import FormDefinition, Holiday, PermitType, Region

__all__ = [
    "Application",
    "ApplicationBlob",
    "ApplicationDuplicate",
    "AuditEvent",
    "Blob",
    "Device",
    "Feedback",
    "FormDefinition",
    "Holiday",
    "MutationResult",
    "Office",
    "PermitType",
    "RateLimitCounter",
    "RecoveryCode",
    "Region",
    "Role",
    "StaffSession",
    "StatusChange",
    "SurveyResponse",
    "SyncClient",
    "SyncConflict",
    "SyncCounter",
    "SyncPushLog",
    "Upload",
    "User",
]
