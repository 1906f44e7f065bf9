from tortoise import migrations
from tortoise.migrations import operations as ops
from server.migrations._fill import AddFieldFillingRows
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_audit_chain')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RateLimitCounter',
            fields=[
                ('bucket', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ('hits', fields.IntField()),
                ('expires_at', fields.FloatField(db_index=True)),
            ],
            options={'table': 'rate_limit_counter', 'app': 'models', 'pk_attr': 'bucket', 'table_description': 'Fixed-window counters for RATE_LIMIT_STORAGE=database (written by raw SQL in'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RecoveryCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='recovery_codes', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(max_length=255)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'recovery_code', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One-time codes for a lost authenticator, stored as Argon2 hashes.'},
            bases=['Model'],
        ),
        AddFieldFillingRows(
            model_name='StaffSession',
            name='last_seen_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFieldFillingRows(
            model_name='StaffSession',
            name='second_factor_done',
            field=fields.BooleanField(default=True),
        ),
        AddFieldFillingRows(
            model_name='User',
            name='enrol_blocked',
            field=fields.BooleanField(default=False),
        ),
        AddFieldFillingRows(
            model_name='User',
            name='totp_last_step',
            field=fields.BigIntField(null=True),
        ),
        AddFieldFillingRows(
            model_name='User',
            name='totp_secret',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.DeleteModel(name='LoginAttempt'),
    ]
