from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0005_invoice_paid_on")]

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
