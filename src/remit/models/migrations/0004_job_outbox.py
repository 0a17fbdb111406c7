from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0003_provider_payments")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OutboxJob",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=100)),
                (
                    "job_id",
                    fields.CharField(description="The queue drops a second send", max_length=255),
                ),
                (
                    "args",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "kwargs",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "run_at",
                    fields.DatetimeField(
                        null=True,
                        description="Deferred until then (null: at once)",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "job_outbox",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "A job asked for inside a transaction, written in that transaction: the job exists",
            },
            bases=["Model"],
        ),
    ]
