from tortoise import migrations
from tortoise.migrations import operations as ops
from remit.models.enums import BankTransactionStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("remit", "0012_invoice_amount_credited")]

    initial = False

    operations = [
        ops.CreateModel(
            name="BankTransaction",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bank_transactions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "entry_key",
                    fields.CharField(
                        description="The account and the bank's entry reference, or a digest of the entry",
                        max_length=400,
                    ),
                ),
                (
                    "statement_kind",
                    fields.CharField(description="e.g. camt.053.001.08", max_length=20),
                ),
                ("credit", fields.BooleanField(description="Money in, false for a debit")),
                ("returned", fields.BooleanField(description="A transfer sent back or reversed")),
                (
                    "status",
                    fields.CharEnumField(
                        description="UNMATCHED: UNMATCHED\nMATCHED: MATCHED\nIGNORED: IGNORED\nNOT_A_PAYMENT: NOT_A_PAYMENT",
                        enum_type=BankTransactionStatus,
                        max_length=20,
                    ),
                ),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "amount",
                    fields.BigIntField(
                        description="As booked, never negative, in minor units of the currency column"
                    ),
                ),
                ("booking_date", fields.DateField(null=True)),
                ("value_date", fields.DateField(null=True)),
                (
                    "account_iban",
                    fields.CharField(null=True, description="The tenant's", max_length=255),
                ),
                ("debtor_name", fields.CharField(null=True, max_length=255)),
                ("debtor_iban", fields.CharField(null=True, max_length=255)),
                (
                    "reference",
                    fields.CharField(null=True, description="Structured", max_length=255),
                ),
                (
                    "remittance",
                    fields.TextField(
                        null=True, description="The payer's unstructured text", unique=False
                    ),
                ),
                ("end_to_end_id", fields.CharField(null=True, max_length=255)),
                ("bank_reference", fields.CharField(null=True, max_length=255)),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "remit.Organization",
                        source_field="organization_id",
                        null=True,
                        description="Whose payment it is, once matched: its debtor IBAN is known as theirs",
                        db_constraint=True,
                        to_field="id",
                        related_name="bank_transactions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "payment",
                    fields.ForeignKeyField(
                        "remit.Payment",
                        source_field="payment_id",
                        null=True,
                        description="The payment recorded for it",
                        db_constraint=True,
                        to_field="id",
                        related_name="bank_transactions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "settled_by",
                    fields.CharField(
                        null=True,
                        description="Who matched or ignored it: user:<email>, ...",
                        max_length=100,
                    ),
                ),
            ],
            options={
                "table": "bank_transaction",
                "app": "remit",
                "unique_together": (("tenant", "entry_key"),),
                "indexes": [
                    Index(fields=["tenant_id", "status", "created_at"]),
                    Index(fields=["tenant_id", "debtor_iban"]),
                ],
                "pk_attr": "id",
                "table_description": "One entry of a bank statement of the tenant's account, stored once: a statement",
            },
            bases=["Entity"],
        ),
    ]
