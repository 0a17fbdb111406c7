from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0002_provider_account")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Invoice",
            name="provider_payments",
            field=fields.JSONField(
                default=dict,
                description="By provider reference: amounts received and refunded",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
    ]
