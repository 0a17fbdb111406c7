from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [("remit", "0010_one_off_invoices")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CreditNote",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="credit_notes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "remit.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="credit_notes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "remit.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="credit_notes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("number", fields.CharField(max_length=40)),
                ("issue_date", fields.DateField()),
                ("reason", fields.CharField(max_length=500)),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "subtotal",
                    fields.BigIntField(
                        description="Sum of the line subtotals, in minor units of the currency column"
                    ),
                ),
                (
                    "tax",
                    fields.BigIntField(
                        description="Sum of the line taxes, in minor units of the currency column"
                    ),
                ),
                (
                    "total",
                    fields.BigIntField(
                        description="Sum of the line totals, in minor units of the currency column"
                    ),
                ),
                (
                    "refund",
                    fields.BooleanField(
                        default=False,
                        description="The credited amount is to be refunded, not kept as credit",
                    ),
                ),
                (
                    "customer",
                    fields.JSONField(
                        default=dict,
                        description="The invoice's customer party",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "provider",
                    fields.JSONField(
                        default=dict,
                        description="The invoice's issuing tenant party",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "created_by",
                    fields.CharField(
                        description="user:<email>, apikey:<prefix>, system", max_length=100
                    ),
                ),
                ("public_token", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "credit_note",
                "app": "remit",
                "unique_together": (("tenant", "number"),),
                "indexes": [Index(fields=["invoice_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A correction of an issued invoice, in its own gapless number series, never edited.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CreditNoteLine",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "credit_note",
                    fields.ForeignKeyField(
                        "remit.CreditNote",
                        source_field="credit_note_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="lines",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "invoice_line",
                    fields.ForeignKeyField(
                        "remit.InvoiceLine",
                        source_field="invoice_line_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="credit_note_lines",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("position", fields.IntField()),
                ("name", fields.CharField(max_length=200)),
                (
                    "quantity",
                    fields.DecimalField(
                        null=True,
                        description="Null when credited by amount",
                        max_digits=18,
                        decimal_places=6,
                    ),
                ),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "unit_price",
                    fields.BigIntField(
                        description="The invoice line's unit price, in minor units of the currency column"
                    ),
                ),
                (
                    "subtotal",
                    fields.BigIntField(
                        description="Credited, before tax, in minor units of the currency column"
                    ),
                ),
                (
                    "tax_rate",
                    fields.DecimalField(description="Percent", max_digits=7, decimal_places=4),
                ),
                (
                    "tax",
                    fields.BigIntField(
                        description="Tax credited, in minor units of the currency column"
                    ),
                ),
                (
                    "total",
                    fields.BigIntField(
                        description="Subtotal + tax, in minor units of the currency column"
                    ),
                ),
            ],
            options={
                "table": "credit_note_line",
                "app": "remit",
                "unique_together": (("credit_note", "position"),),
                "pk_attr": "id",
                "table_description": "The part of one invoice line a credit note takes back.",
            },
            bases=["Model"],
        ),
        ops.AlterModelOptions(
            name="InvoiceNumberSequence",
            options={
                "table": "invoice_number_sequence",
                "app": "remit",
                "unique_together": (("tenant", "series"),),
                "pk_attr": "id",
                "table_description": "A tenant's gapless number counter of one series, locked while a number is taken.",
            },
        ),
        ops.AlterField(
            model_name="InvoiceNumberSequence",
            name="tenant",
            field=fields.ForeignKeyField(
                "remit.Tenant",
                source_field="tenant_id",
                db_constraint=True,
                to_field="id",
                related_name="number_sequences",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddField(
            model_name="InvoiceNumberSequence",
            name="series",
            field=fields.CharField(default="invoice", db_default="invoice", max_length=20),
        ),
        ops.AddConstraint(
            model_name="InvoiceNumberSequence",
            constraint=UniqueConstraint(fields=("tenant", "series"), name=None),
        ),
        ops.AddField(
            model_name="InvoicingSettings",
            name="credit_note_number_prefix",
            field=fields.CharField(
                null=True, description="Null: the invoice number prefix and -CN", max_length=20
            ),
        ),
    ]
