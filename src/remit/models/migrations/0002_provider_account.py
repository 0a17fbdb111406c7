from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ProviderAccount",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "remit.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="provider_accounts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("provider", fields.CharField(max_length=50)),
                ("customer_ref", fields.CharField(null=True, max_length=255)),
                ("payment_method_ref", fields.CharField(null=True, max_length=255)),
            ],
            options={
                "table": "provider_account",
                "app": "remit",
                "unique_together": (("organization", "provider"),),
                "pk_attr": "id",
                "table_description": "What a payment provider keeps for one organization: its customer id there and a saved",
            },
            bases=["Entity"],
        ),
    ]
