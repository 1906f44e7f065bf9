from tortoise import migrations
from tortoise.migrations import operations as ops
from server.migrations._fill import AddFieldFillingRows
from tortoise import fields
import hashlib


async def hash_status_tokens(apps, schema_editor):
    """Tokens were stored as sent; from now on only their sha256 is kept (receipts keep working)."""
    client = schema_editor.client
    mark = "$1" if client.capabilities.dialect == "postgres" else "?"
    mark2 = "$2" if client.capabilities.dialect == "postgres" else "?"
    _count, rows = await client.execute_query("SELECT id, status_token_hash FROM application")
    for row in rows:
        digest = hashlib.sha256(str(row["status_token_hash"]).encode()).hexdigest()
        await client.execute_query(
            f"UPDATE application SET status_token_hash = {mark} WHERE id = {mark2}",
            [digest, row["id"]],
        )


class Migration(migrations.Migration):
    dependencies = [('models', '0004_sync_push_log')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Feedback',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=36)),
                ('ticket_code', fields.CharField(unique=True, max_length=20)),
                ('ticket_token_hash', fields.CharField(max_length=64)),
                ('kind', fields.CharField(db_index=True, max_length=12)),
                ('category', fields.CharField(default='', max_length=40)),
                ('message', fields.TextField(unique=False)),
                ('contact_name', fields.CharField(default='', max_length=100)),
                ('contact', fields.CharField(default='', max_length=120)),
                ('application_id', fields.CharField(null=True, db_index=True, max_length=36)),
                ('source', fields.CharField(max_length=12)),
                ('created_by', fields.CharField(default='', max_length=80)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('due_on', fields.DateField(db_index=True)),
                ('state', fields.CharField(default='new', db_index=True, max_length=12)),
                ('assigned_to_id', fields.IntField(null=True, db_index=True)),
                ('reply', fields.TextField(default='', unique=False)),
                ('replied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('replied_by_id', fields.IntField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feedback', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A complaint, consultation, appreciation or suggestion, with its ticket and its answer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyResponse',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=36)),
                ('application_id', fields.CharField(unique=True, max_length=36)),
                ('permit_type', fields.CharField(db_index=True, max_length=32)),
                ('u1', fields.SmallIntField()),
                ('u2', fields.SmallIntField()),
                ('u3', fields.SmallIntField()),
                ('u4', fields.SmallIntField()),
                ('u5', fields.SmallIntField()),
                ('u6', fields.SmallIntField()),
                ('u7', fields.SmallIntField()),
                ('u8', fields.SmallIntField()),
                ('u9', fields.SmallIntField()),
                ('age', fields.SmallIntField()),
                ('sex', fields.CharField(max_length=1)),
                ('education', fields.CharField(max_length=12)),
                ('occupation', fields.CharField(max_length=12)),
                ('source', fields.CharField(max_length=12)),
                ('answered_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'skm_response', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One SKM answer sheet (PermenPAN-RB 14/2017): nine element scores 1-4 and the profile.'},
            bases=['Model'],
        ),
        AddFieldFillingRows(
            model_name='Office',
            name='hours',
            field=fields.CharField(default='', max_length=200),
        ),
        ops.RenameField(
            model_name='Application',
            old_name='status_token',
            new_name='status_token_hash',
        ),
        ops.RunPython(hash_status_tokens),
    ]
