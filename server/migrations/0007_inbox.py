from tortoise import migrations
from tortoise.migrations import operations as ops
from server.migrations._fill import AddFieldFillingRows
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_workflow_sla')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApplicationDuplicate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='duplicate_flags', on_delete=OnDelete.CASCADE)),
                ('other', fields.ForeignKeyField('models.Application', source_field='other_id', db_constraint=True, to_field='id', related_name='duplicated_by', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=20)),
                ('status', fields.CharField(default='open', max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(default='', max_length=80)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'application_duplicate', 'app': 'models', 'unique_together': (('application', 'other', 'reason'),), 'indexes': [Index(fields=['status', 'application_id'])], 'pk_attr': 'id', 'table_description': 'A suspected duplicate found at sync: ``application`` (the later one) looks like'},
            bases=['Model'],
        ),
        AddFieldFillingRows(
            model_name='Application',
            name='applicant_name',
            field=fields.CharField(default='', max_length=200),
        ),
        AddFieldFillingRows(
            model_name='Application',
            name='business_key',
            field=fields.CharField(default='', max_length=200),
        ),
        AddFieldFillingRows(
            model_name='Application',
            name='business_name',
            field=fields.CharField(default='', max_length=200),
        ),
        AddFieldFillingRows(
            model_name='Application',
            name='files_missing',
            field=fields.BooleanField(default=False),
        ),
        AddFieldFillingRows(
            model_name='Application',
            name='nik',
            field=fields.CharField(default='', max_length=16),
        ),
        AddFieldFillingRows(
            model_name='Application',
            name='submitted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFieldFillingRows(
            model_name='Application',
            name='typed',
            field=fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
        ),
        AddFieldFillingRows(
            model_name='Application',
            name='warnings',
            field=fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['submitted_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['status', 'submitted_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['updated_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['nik', 'permit_type']),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['business_key', 'region_code']),
        ),
        ops.AddIndex(
            model_name='SyncConflict',
            index=Index(fields=['application_id', 'status']),
        ),
        # Applications synced before this migration: submitted when they were created.
        ops.RunSQL(
            "UPDATE application SET submitted_at = created_at "
            "WHERE status <> 'draf' AND submitted_at IS NULL"
        ),
    ]
