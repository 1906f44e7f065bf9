"""Permit applications and the sync bookkeeping around them.

Rows here are written by ``server.services.applications.sync_store`` (set-based SQL inside
one transaction per push), so every change carries a ``change_seq`` from ``SyncCounter``.
Other code reads these models freely but changes applications only through the sync
services, or devices would never hear about the change.

Ids of users, devices and sync clients are kept as text: the sync core treats them as opaque."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Application(Model):
    id = fields.CharField(max_length=36, primary_key=True)  # UUID made on the device
    owner_user_id = fields.CharField(max_length=64)
    created_by_client = fields.CharField(max_length=36)
    permit_type = fields.CharField(max_length=32, db_index=True)
    form_version = fields.IntField()
    tracking_code = fields.CharField(max_length=20, unique=True)
    status_token_hash = fields.CharField(max_length=64)  # sha256 hex; the tablet keeps the token
    status = fields.CharField(max_length=20, db_index=True)
    data = fields.JSONField(default=dict)  # the form's field values ("fields" on the wire)
    corrections = fields.JSONField(default=dict)
    files = fields.JSONField(default=list)  # [{"sha256", "kind", "arrived"}]
    region_code = fields.CharField(max_length=20, default="", db_index=True)
    captured_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    version = fields.IntField(default=1)
    change_seq = fields.BigIntField(unique=True)
    deleted = fields.BooleanField(default=False)
    # Kept by the sync store with the record (server-side only, never sent to devices).
    submitted_at = fields.DatetimeField(null=True)  # first left the draft state
    warnings = fields.JSONField(default=dict)  # field -> [{"code", "id", "en"}] (form check)
    typed = fields.JSONField(default=dict)  # field -> {"typed", "canonical"}
    # Copies of well-known fields for the office inbox's search, filters and duplicate checks.
    nik = fields.CharField(max_length=16, default="")  # "nik" when it is 16 digits
    applicant_name = fields.CharField(max_length=200, default="")  # "full_name"
    business_name = fields.CharField(max_length=200, default="")
    business_key = fields.CharField(max_length=200, default="")  # normalised business name
    files_missing = fields.BooleanField(default=False)  # a referenced file has not arrived
    # What the issuing system gave (an NIB is 13 digits) and the permit PDF, when issued.
    issued_reference = fields.CharField(max_length=64, default="", db_default="")
    permit_file_sha256 = fields.CharField(max_length=64, default="", db_default="")
    # The SLA clock as of the last status move (server/services/applications/sla.py keeps
    # these in step, so the overdue filter is one indexed comparison).
    sla_state = fields.CharField(max_length=10, default="", db_default="")
    sla_started_at = fields.DatetimeField(null=True)
    sla_due = fields.DateField(null=True)
    sla_finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "application"
        indexes = (
            # Pull: walk change_seq in order and test the scope from the index alone.
            ("change_seq", "owner_user_id", "region_code"),
            # Inbox: keyset pages by submission or update time, with or without a status.
            ("submitted_at", "id"),
            ("status", "submitted_at", "id"),
            ("updated_at", "id"),
            # Duplicate checks and NIK search.
            ("nik", "permit_type"),
            ("business_key", "region_code"),
            # Overdue filter.
            ("sla_state", "sla_due"),
        )


class ApplicationDuplicate(Model):
    """A suspected duplicate found at sync: ``application`` (the later one) looks like
    ``other`` by NIK and permit type, or by business name in the same village. Staff link it
    (it is a duplicate of ``other``) or dismiss it; the pair is never flagged again."""

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="duplicate_flags", on_delete=fields.CASCADE
    )
    other: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="duplicated_by", on_delete=fields.CASCADE
    )
    reason = fields.CharField(max_length=20)  # "nik" | "business_name"
    status = fields.CharField(max_length=10, default="open")  # open | linked | dismissed
    created_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=80, default="")
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "application_duplicate"
        unique_together = (("application", "other", "reason"),)
        indexes = (("status", "application_id"),)


class ApplicationBlob(Model):
    """Which applications reference a file, so an arriving upload finds them by hash."""

    id = fields.BigIntField(primary_key=True)
    sha256 = fields.CharField(max_length=64, db_index=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="blobs", on_delete=fields.CASCADE
    )

    class Meta:
        table = "application_blob"
        unique_together = (("sha256", "application"),)


class StatusChange(Model):
    """Every workflow move with who, when and why. Append-only."""

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="status_changes", on_delete=fields.CASCADE
    )
    from_status = fields.CharField(max_length=20, null=True)
    to_status = fields.CharField(max_length=20)
    actor = fields.CharField(max_length=80)  # "user:<id>" or "device:<id>"
    at = fields.DatetimeField(db_index=True)
    note = fields.TextField(default="")

    class Meta:
        table = "application_status_change"
        # One application's history (timeline, SLA clock) without scanning everyone's.
        indexes = (("application_id", "at"),)


class SyncConflict(Model):
    """A field both sides changed differently: the server value stayed, this row keeps the rest."""

    id = fields.CharField(max_length=36, primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="conflicts", on_delete=fields.CASCADE
    )
    field = fields.CharField(max_length=64)
    base = fields.JSONField(null=True)
    device_value = fields.JSONField(null=True)
    server_value = fields.JSONField(null=True)
    client_id = fields.CharField(max_length=36)
    mutation_id = fields.BigIntField()
    created_at = fields.DatetimeField()
    status = fields.CharField(max_length=10, default="open", db_index=True)
    resolution = fields.JSONField(null=True)  # {"value", "by", "at"}
    change_seq = fields.BigIntField(unique=True)

    class Meta:
        table = "sync_conflict"
        indexes = (("client_id", "change_seq"), ("application_id", "status"))


class SyncClient(Model):
    """One installation of the field app, bound to the device that first used its id."""

    client_id = fields.CharField(max_length=36, primary_key=True)
    device_id = fields.CharField(max_length=64, null=True)
    user_id = fields.CharField(max_length=64)
    last_mutation_id = fields.BigIntField(default=0)
    clock_skew_s = fields.IntField(null=True)
    clock_flagged_at = fields.DatetimeField(null=True)
    # What the device last said was still waiting in its outbox, and when (admin page).
    pending_reported = fields.IntField(null=True)
    pending_reported_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sync_client"


class MutationResult(Model):
    """The answer given to one mutation, replayed when the same id is sent again. Only answers
    other than a plain ``applied`` are kept: an id at or below the client's last_mutation_id
    with no row here was applied (SyncPushLog keeps the audit trail of every mutation)."""

    id = fields.BigIntField(primary_key=True)
    client_id = fields.CharField(max_length=36)
    mutation_id = fields.BigIntField()
    name = fields.CharField(max_length=64)
    result = fields.JSONField()
    received_at = fields.DatetimeField()
    hlc = fields.CharField(max_length=64, default="")
    device_time = fields.DatetimeField(null=True)
    rejected_args = fields.JSONField(null=True)

    class Meta:
        table = "sync_mutation_result"
        unique_together = (("client_id", "mutation_id"),)


class SyncPushLog(Model):
    """One row per processed push batch: when it arrived and, per mutation, its id, name,
    outcome, hybrid logical clock and device time (for audit; never used for ordering)."""

    id = fields.BigIntField(primary_key=True)
    client_id = fields.CharField(max_length=36, db_index=True)
    received_at = fields.DatetimeField(db_index=True)
    first_mutation_id = fields.BigIntField()
    last_mutation_id = fields.BigIntField()
    entries = fields.JSONField(default=list)

    class Meta:
        table = "sync_push_log"


class SyncCounter(Model):
    """The change sequence (one row). Every write transaction locks it first, so sequence
    numbers are handed out and committed in the same order."""

    id = fields.IntField(primary_key=True)
    value = fields.BigIntField(default=0)
    epoch = fields.CharField(max_length=32)
    horizon = fields.BigIntField(default=0)

    class Meta:
        table = "sync_counter"
