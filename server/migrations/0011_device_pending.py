from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_status_change_index')]

    initial = False

    operations = [
        ops.AddField(
            model_name='SyncClient',
            name='pending_reported',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='SyncClient',
            name='pending_reported_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
