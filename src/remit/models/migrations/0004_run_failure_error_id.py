from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0003_provider_payments")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="InvoicingRun",
            name="failures",
            field=fields.JSONField(
                default=list,
                description="[{contract_id, message, error_id}]",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
    ]
