from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_files')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Application',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=36)),
                ('owner_user_id', fields.CharField(max_length=64)),
                ('created_by_client', fields.CharField(max_length=36)),
                ('permit_type', fields.CharField(db_index=True, max_length=32)),
                ('form_version', fields.IntField()),
                ('tracking_code', fields.CharField(unique=True, max_length=20)),
                ('status_token', fields.CharField(max_length=64)),
                ('status', fields.CharField(db_index=True, max_length=20)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('corrections', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('files', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('region_code', fields.CharField(default='', db_index=True, max_length=20)),
                ('captured_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
                ('change_seq', fields.BigIntField(unique=True)),
                ('deleted', fields.BooleanField(default=False)),
            ],
            options={'table': 'application', 'app': 'models', 'indexes': [Index(fields=['change_seq', 'owner_user_id', 'region_code'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApplicationBlob',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sha256', fields.CharField(db_index=True, max_length=64)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='blobs', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'application_blob', 'app': 'models', 'unique_together': (('sha256', 'application'),), 'pk_attr': 'id', 'table_description': 'Which applications reference a file, so an arriving upload finds them by hash.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MutationResult',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client_id', fields.CharField(max_length=36)),
                ('mutation_id', fields.BigIntField()),
                ('name', fields.CharField(max_length=64)),
                ('result', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('hlc', fields.CharField(default='', max_length=64)),
                ('device_time', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rejected_args', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'sync_mutation_result', 'app': 'models', 'unique_together': (('client_id', 'mutation_id'),), 'pk_attr': 'id', 'table_description': 'The answer given to one mutation, replayed when the same id is sent again.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StatusChange',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='status_changes', on_delete=OnDelete.CASCADE)),
                ('from_status', fields.CharField(null=True, max_length=20)),
                ('to_status', fields.CharField(max_length=20)),
                ('actor', fields.CharField(max_length=80)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'application_status_change', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every workflow move with who, when and why. Append-only.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SyncClient',
            fields=[
                ('client_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=36)),
                ('device_id', fields.CharField(null=True, max_length=64)),
                ('user_id', fields.CharField(max_length=64)),
                ('last_mutation_id', fields.BigIntField(default=0)),
                ('clock_skew_s', fields.IntField(null=True)),
                ('clock_flagged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sync_client', 'app': 'models', 'pk_attr': 'client_id', 'table_description': 'One installation of the field app, bound to the device that first used its id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SyncConflict',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=36)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='conflicts', on_delete=OnDelete.CASCADE)),
                ('field', fields.CharField(max_length=64)),
                ('base', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('device_value', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('server_value', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('client_id', fields.CharField(max_length=36)),
                ('mutation_id', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='open', db_index=True, max_length=10)),
                ('resolution', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('change_seq', fields.BigIntField(unique=True)),
            ],
            options={'table': 'sync_conflict', 'app': 'models', 'indexes': [Index(fields=['client_id', 'change_seq'])], 'pk_attr': 'id', 'table_description': 'A field both sides changed differently: the server value stayed, this row keeps the rest.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SyncCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('value', fields.BigIntField(default=0)),
                ('epoch', fields.CharField(max_length=32)),
                ('horizon', fields.BigIntField(default=0)),
            ],
            options={'table': 'sync_counter', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The change sequence (one row). Every write transaction locks it first, so sequence'},
            bases=['Model'],
        ),
    ]
