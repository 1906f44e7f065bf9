from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Blob',
            fields=[
                ('sha256', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('size', fields.BigIntField()),
                ('content_type', fields.CharField(max_length=100)),
                ('safe_content_type', fields.CharField(null=True, max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'file_blob', 'app': 'models', 'pk_attr': 'sha256', 'table_description': 'A file whose bytes have fully arrived and passed the checks (one row per SHA-256).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Upload',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sha256', fields.CharField(db_index=True, max_length=64)),
                ('application_id', fields.CharField(db_index=True, max_length=64)),
                ('kind', fields.CharField(max_length=32)),
                ('filename', fields.CharField(default='', max_length=255)),
                ('length', fields.BigIntField()),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='uploads', on_delete=OnDelete.SET_NULL)),
                ('device', fields.ForeignKeyField('models.Device', source_field='device_id', null=True, db_constraint=True, to_field='id', related_name='uploads', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'file_upload', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One tus upload as created by a device or a staff member: audit and quota counting.'},
            bases=['Model'],
        ),
    ]
