from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# The SKM occupation "petani_nelayan" has 14 characters: PostgreSQL refused it in 12.
class Migration(migrations.Migration):
    dependencies = [('models', '0012_region_backfill')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='SurveyResponse',
            name='occupation',
            field=fields.CharField(max_length=20),
        ),
    ]
