from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_citizen')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Application',
            name='issued_reference',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='Application',
            name='permit_file_sha256',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='Application',
            name='sla_due',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Application',
            name='sla_finished_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Application',
            name='sla_started_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Application',
            name='sla_state',
            field=fields.CharField(default='', db_default='', max_length=10),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['sla_state', 'sla_due']),
        ),
    ]
