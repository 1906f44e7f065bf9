from tortoise import migrations
from tortoise.migrations import operations as ops


async def fill_region_codes(apps, schema_editor):
    """Halal and SPP-IRT applications stored before their region was kept: scope them now."""
    from server.services.applications.region_backfill import backfill_region_codes

    await backfill_region_codes(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0011_device_pending')]

    initial = False

    operations = [
        ops.RunPython(fill_region_codes),
    ]
