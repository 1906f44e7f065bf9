from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_applications_sync')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SyncPushLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client_id', fields.CharField(db_index=True, max_length=36)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('first_mutation_id', fields.BigIntField()),
                ('last_mutation_id', fields.BigIntField()),
                ('entries', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'sync_push_log', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row per processed push batch: when it arrived and, per mutation, its id, name,'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='MutationResult',
            options={'table': 'sync_mutation_result', 'app': 'models', 'unique_together': (('client_id', 'mutation_id'),), 'pk_attr': 'id', 'table_description': 'The answer given to one mutation, replayed when the same id is sent again. Only answers'},
        ),
    ]
