from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0003_provider_payments")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Contract",
            name="catch_up_confirmed_through",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Contract",
            name="catch_up_held_through",
            field=fields.DateField(null=True),
        ),
    ]
