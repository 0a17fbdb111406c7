from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0016_dunning")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ChargeAttempt",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "remit.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="charge_attempts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("number", fields.IntField()),
                ("provider", fields.CharField(max_length=50)),
                ("attempted_on", fields.DateField()),
                ("reference", fields.CharField(null=True, max_length=255)),
                ("failed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("hard_decline", fields.BooleanField(default=False)),
                ("detail", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "charge_attempt",
                "app": "remit",
                "unique_together": (("invoice", "number"),),
                "pk_attr": "id",
                "table_description": "One automatic charge of an invoice: the first (number 0), then each retry after a soft",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="InvoicingSettings",
            name="card_retry_days",
            field=fields.JSONField(
                null=True,
                description="Days after a declined first charge to try again, or if null the default",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.AddField(
            model_name="ProviderAccount",
            name="card_expires_on",
            field=fields.DateField(
                null=True, description="The last day the saved method can be charged, if it expires"
            ),
        ),
        ops.AddField(
            model_name="ProviderAccount",
            name="expiry_notice_for",
            field=fields.CharField(
                null=True,
                description="The saved method whose expiry was told, once",
                max_length=255,
            ),
        ),
    ]
