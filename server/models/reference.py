"""Reference data is data: regions, permit types with versioned forms, holidays."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Region(Model):
    """A Kemendagri region: province (1), regency (2), district (3), village (4)."""

    code = fields.CharField(max_length=20, primary_key=True)
    parent_code = fields.CharField(max_length=20, null=True, db_index=True)
    name = fields.CharField(max_length=120)
    level = fields.SmallIntField()

    class Meta:
        table = "region"


class PermitType(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    name_id = fields.CharField(max_length=200)
    name_en = fields.CharField(max_length=200)
    issuer = fields.CharField(max_length=200, default="")
    external_system = fields.CharField(max_length=60, default="")
    sla_days = fields.SmallIntField()
    active = fields.BooleanField(default=True)
    meta = fields.JSONField(default=dict)

    class Meta:
        table = "permit_type"


class FormDefinition(Model):
    id = fields.IntField(primary_key=True)
    permit_type: fields.ForeignKeyRelation[PermitType] = fields.ForeignKeyField(
        "models.PermitType", related_name="forms", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    definition = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "form_definition"
        unique_together = (("permit_type", "version"),)


class Holiday(Model):
    date = fields.DateField(primary_key=True)
    name = fields.CharField(max_length=200)

    class Meta:
        table = "holiday"
