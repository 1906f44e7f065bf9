"""Uploaded files: content-addressed blobs and who uploaded what. The bytes live in the media
store (server/uploads); these rows index them. Which files an application expects is the
application's own ``files`` list (written by the attach_file sync mutation)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Blob(Model):
    """A file whose bytes have fully arrived and passed the checks (one row per SHA-256)."""

    sha256 = fields.CharField(max_length=64, primary_key=True)
    size = fields.BigIntField()
    content_type = fields.CharField(max_length=100)
    # The sanitised derivative served to staff (images re-encoded without EXIF/GPS);
    # null when the original itself is served (PDF, sandboxed).
    safe_content_type = fields.CharField(max_length=100, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "file_blob"


class Upload(Model):
    """One tus upload as created by a device or a staff member: audit and quota counting."""

    id = fields.BigIntField(primary_key=True)
    sha256 = fields.CharField(max_length=64, db_index=True)
    # The application's record id (a client-made UUID, see docs/sync-protocol.md).
    application_id = fields.CharField(max_length=64, db_index=True)
    kind = fields.CharField(max_length=32)
    filename = fields.CharField(max_length=255, default="")
    length = fields.BigIntField()
    user: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="uploads", null=True, on_delete=fields.SET_NULL
    )
    device: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Device", related_name="uploads", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "file_upload"
