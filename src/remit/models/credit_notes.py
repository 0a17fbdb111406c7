from tortoise import fields
from tortoise.models import Model

from remit.models.base import currency, money
from remit.models.enums import VatCategory


class CreditNote(Model):
    """A correction of an issued invoice, in its own gapless number series, never edited."""

    # The unique (tenant, number) pair is the last guard against a number used twice.

    id = fields.UUIDField(primary_key=True)
    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="credit_notes", on_delete=fields.CASCADE
    )
    invoice = fields.ForeignKeyField(
        "remit.Invoice", related_name="credit_notes", on_delete=fields.RESTRICT
    )
    organization = fields.ForeignKeyField(
        "remit.Organization", related_name="credit_notes", on_delete=fields.RESTRICT
    )
    number = fields.CharField(max_length=40)
    issue_date = fields.DateField()
    reason = fields.CharField(max_length=500)
    currency = currency()
    subtotal = money("Sum of the line subtotals")
    tax = money("Sum of the line taxes")
    total = money("Sum of the line totals")
    refund = fields.BooleanField(
        default=False, description="The credited amount is to be refunded, not kept as credit"
    )
    customer = fields.JSONField(default=dict, description="The invoice's customer party")
    provider = fields.JSONField(default=dict, description="The invoice's issuing tenant party")
    created_by = fields.CharField(
        max_length=100, description="user:<email>, apikey:<prefix>, system"
    )
    public_token = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "credit_note"
        unique_together = (("tenant", "number"),)
        indexes = (("invoice_id", "created_at"), ("organization_id",))


class CreditNoteLine(Model):
    """The part of one invoice line a credit note takes back."""

    id = fields.UUIDField(primary_key=True)
    credit_note = fields.ForeignKeyField(
        "remit.CreditNote", related_name="lines", on_delete=fields.CASCADE
    )
    invoice_line = fields.ForeignKeyField(
        "remit.InvoiceLine", related_name="credit_note_lines", on_delete=fields.RESTRICT
    )
    position = fields.IntField()
    name = fields.CharField(max_length=200)
    quantity = fields.DecimalField(
        max_digits=18, decimal_places=6, null=True, description="Null when credited by amount"
    )
    currency = currency()
    unit_price = money("The invoice line's unit price")
    subtotal = money("Credited, before tax")
    tax_rate = fields.DecimalField(max_digits=7, decimal_places=4, description="Percent")
    vat_category = fields.CharEnumField(
        VatCategory, max_length=2, default=VatCategory.STANDARD, db_default="S"
    )
    tax = money("Tax credited")
    total = money("Subtotal + tax")

    class Meta:
        table = "credit_note_line"
        indexes = (("invoice_line_id",),)
        unique_together = (("credit_note", "position"),)
        ordering = ["position"]
