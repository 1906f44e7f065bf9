from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# The audit trail is append-only: on PostgreSQL the database itself refuses UPDATE and DELETE
# (TRUNCATE, a whole-table operation for tests and disaster recovery, stays the owner's).
REFUSE_CHANGES = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
"""


async def chain_existing_rows(apps, schema_editor):
    """Rows written before the chain existed get their seq and hashes, oldest first."""
    from server.services.audit import backfill

    await backfill(schema_editor.client)


async def refuse_changes(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(REFUSE_CHANGES)


class Migration(migrations.Migration):
    dependencies = [('models', '0007_inbox')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='AuditEvent',
            options={'table': 'audit_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Append-only and hash-chained (server/services/audit.py): row ``seq`` carries the hash'},
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='hash',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='prev_hash',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='seq',
            field=fields.BigIntField(null=True, unique=True),
        ),
        ops.RunPython(chain_existing_rows),
        ops.RunPython(refuse_changes),
    ]
