from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0013_bank_transactions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Logo",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.OneToOneField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="logo",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "content",
                    fields.BinaryField(
                        description="The image as checked: PNG, JPEG or sanitised SVG"
                    ),
                ),
                ("content_type", fields.CharField(max_length=20)),
                ("sha256", fields.CharField(description="Hex digest of content", max_length=64)),
            ],
            options={
                "table": "logo",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "The tenant's logo, stored here rather than on a disk: the servers of one Remit share",
            },
            bases=["Entity"],
        ),
        ops.AlterField(
            model_name="InvoicingSettings",
            name="logo_url",
            field=fields.CharField(
                null=True,
                description="The https address the stored logo was fetched from",
                max_length=2000,
            ),
        ),
    ]
