from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_trust')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='StatusChange',
            index=Index(fields=['application_id', 'at']),
        ),
    ]
