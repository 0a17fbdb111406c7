from tortoise import fields

from remit.models.base import Entity, currency, money
from remit.models.enums import BankTransactionStatus

# Long enough for every text ISO 20022 allows where these come from (names of 140
# characters, references of 35); longer texts from a non-conforming bank are cut.
TEXT = 255


class BankTransaction(Entity):
    """One entry of a bank statement of the tenant's account, stored once: a statement
    imported again, or one that overlaps it, finds its entries by their key."""

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="bank_transactions", on_delete=fields.CASCADE
    )
    entry_key = fields.CharField(
        max_length=400,
        description="The account and the bank's entry reference, or a digest of the entry",
    )
    statement_kind = fields.CharField(max_length=20, description="e.g. camt.053.001.08")
    credit = fields.BooleanField(description="Money in, false for a debit")
    returned = fields.BooleanField(description="A transfer sent back or reversed")
    status = fields.CharEnumField(BankTransactionStatus, max_length=20)
    currency = currency()
    amount = money("As booked, never negative")
    booking_date = fields.DateField(null=True)
    value_date = fields.DateField(null=True)
    account_iban = fields.CharField(max_length=TEXT, null=True, description="The tenant's")
    debtor_name = fields.CharField(max_length=TEXT, null=True)
    debtor_iban = fields.CharField(max_length=TEXT, null=True)
    reference = fields.CharField(max_length=TEXT, null=True, description="Structured")
    remittance = fields.TextField(null=True, description="The payer's unstructured text")
    end_to_end_id = fields.CharField(max_length=TEXT, null=True)
    bank_reference = fields.CharField(max_length=TEXT, null=True)
    organization = fields.ForeignKeyField(
        "remit.Organization",
        related_name="bank_transactions",
        null=True,
        on_delete=fields.RESTRICT,
        description="Whose payment it is, once matched: its debtor IBAN is known as theirs",
    )
    payment = fields.ForeignKeyField(
        "remit.Payment",
        related_name="bank_transactions",
        null=True,
        on_delete=fields.SET_NULL,
        description="The payment recorded for it",
    )
    settled_by = fields.CharField(
        max_length=100, null=True, description="Who matched or ignored it: user:<email>, ..."
    )

    class Meta:
        table = "bank_transaction"
        unique_together = (("tenant", "entry_key"),)
        indexes = (
            ("tenant_id", "status", "created_at"),
            ("tenant_id", "debtor_iban"),
            ("organization_id",),
            ("payment_id",),
        )
