from tortoise import fields
from tortoise.models import Model

from remit.models.base import Entity, currency, money
from remit.models.enums import BilledType, InvoiceStatus, VatCategory


class Invoice(Entity):
    """One invoice of a contract for one period."""

    # The unique (contract, period_start) pair is the last guard against a duplicate invoice,
    # the unique (tenant, number) pair against a number used twice.

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="invoices", on_delete=fields.CASCADE
    )
    contract = fields.ForeignKeyField(
        "remit.Contract", related_name="invoices", on_delete=fields.RESTRICT
    )
    organization = fields.ForeignKeyField(
        "remit.Organization", related_name="invoices", on_delete=fields.RESTRICT
    )
    number = fields.CharField(max_length=40, null=True)
    status = fields.CharEnumField(InvoiceStatus, max_length=10, default=InvoiceStatus.DRAFT)
    currency = currency()
    issue_date = fields.DateField(null=True)
    due_date = fields.DateField(null=True)
    period_start = fields.DateField()
    period_end = fields.DateField()
    subtotal = money("Sum of the line subtotals", default=0)
    tax = money("Sum of the line taxes", default=0)
    total = money("Sum of the line totals", default=0)
    amount_paid = money(
        "Allocated and not refunded: a copy of the payment ledger's figure, written only by "
        "billing.ledger",
        default=0,
    )
    amount_credited = money(
        "Sum of the totals of its credit notes, what it no longer claims, written only by billing.ledger",
        default=0,
        db_default=0,
    )
    customer = fields.JSONField(default=dict, description="The customer party, frozen at issue")
    provider = fields.JSONField(
        default=dict, description="The issuing tenant party, frozen at issue"
    )
    buyer_reference = fields.CharField(max_length=200, null=True, description="BT-10, at issue")
    purchase_order_reference = fields.CharField(
        max_length=200, null=True, description="BT-13, at issue"
    )
    payment_options = fields.JSONField(default=list)
    hold_reasons = fields.JSONField(default=list)
    public_token = fields.CharField(max_length=64, unique=True)
    sent_at = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)
    paid_on = fields.DateField(null=True, description="The day the money arrived, set while PAID")
    voided_at = fields.DatetimeField(null=True)
    dunning_paused_at = fields.DatetimeField(null=True, description="Paused since, or null")
    dunning_pause_reason = fields.TextField(null=True)
    dunning_paused_until = fields.DateField(
        null=True, description="Reminders resume on this day, or when resumed if null"
    )

    class Meta:
        table = "invoice"
        unique_together = (("contract", "period_start"), ("tenant", "number"))
        indexes = (("tenant_id", "status", "due_date"), ("organization_id",))


class InvoiceLine(Model):
    id = fields.UUIDField(primary_key=True)
    invoice = fields.ForeignKeyField(
        "remit.Invoice", related_name="lines", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    service_line_item = fields.ForeignKeyField(
        "remit.ServiceLineItem", related_name="invoice_lines", null=True, on_delete=fields.SET_NULL
    )
    name = fields.CharField(max_length=200)
    billed = fields.CharEnumField(BilledType, max_length=10)
    quantity = fields.DecimalField(max_digits=18, decimal_places=6)
    currency = currency()
    unit_price = money("Price per unit for this period")
    subtotal = money("Unit price x quantity, rounded half-up")
    tax_rate = fields.DecimalField(max_digits=7, decimal_places=4, description="Percent")
    vat_category = fields.CharEnumField(
        VatCategory, max_length=2, default=VatCategory.STANDARD, db_default="S"
    )
    tax = money("Subtotal x tax rate, rounded half-up")
    total = money("Subtotal + tax")

    class Meta:
        table = "invoice_line"
        unique_together = (("invoice", "position"),)
        # Issuing asks which of a contract's one-time items are on an invoice already.
        indexes = (("service_line_item_id",),)
        ordering = ["position"]


class InvoiceEvent(Model):
    """Every status change and notable happening of an invoice: who, when, from, to, why."""

    id = fields.UUIDField(primary_key=True)
    invoice = fields.ForeignKeyField(
        "remit.Invoice", related_name="events", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField(auto_now_add=True)
    type = fields.CharField(max_length=50)
    from_status = fields.CharEnumField(InvoiceStatus, max_length=10, null=True)
    to_status = fields.CharEnumField(InvoiceStatus, max_length=10, null=True)
    actor = fields.CharField(
        max_length=100, description="user:<email>, apikey:<prefix>, provider:<key>, cycle, system"
    )
    detail = fields.TextField(null=True)

    class Meta:
        table = "invoice_event"
        indexes = (("invoice_id", "at"),)
        ordering = ["at"]


class InvoiceNumberSequence(Model):
    """A tenant's gapless number counter of one series, locked while a number is taken."""

    id = fields.UUIDField(primary_key=True)
    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="number_sequences", on_delete=fields.CASCADE
    )
    series = fields.CharField(max_length=20, default="invoice", db_default="invoice")
    last_number = fields.IntField(default=0)

    class Meta:
        table = "invoice_number_sequence"
        unique_together = (("tenant", "series"),)


class Reminder(Model):
    """A reminder email, at most one per invoice and offset (days from the due date: before
    it when negative), with the step's tone and text as they were when it was decided, and
    the one-off invoice of its late fee, if the step charges one."""

    id = fields.UUIDField(primary_key=True)
    invoice = fields.ForeignKeyField(
        "remit.Invoice", related_name="reminders", on_delete=fields.CASCADE
    )
    offset_days = fields.IntField()
    tone = fields.CharField(max_length=10, default="friendly", db_default="friendly")
    text = fields.TextField(null=True)
    late_fee_invoice = fields.ForeignKeyField(
        "remit.Invoice", related_name="late_fee_of", null=True, on_delete=fields.SET_NULL
    )
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reminder"
        indexes = (("late_fee_invoice_id",),)
        unique_together = (("invoice", "offset_days"),)


class ChargeAttempt(Model):
    """One automatic charge of an invoice: the first (number 0), then each retry after a soft
    decline, at most one per invoice and number. `failed_at` is set when it was declined
    (at once, or later by webhook); `hard_decline` then says whether to stop."""

    id = fields.UUIDField(primary_key=True)
    invoice = fields.ForeignKeyField(
        "remit.Invoice", related_name="charge_attempts", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    provider = fields.CharField(max_length=50)
    attempted_on = fields.DateField()
    reference = fields.CharField(max_length=255, null=True)
    failed_at = fields.DatetimeField(null=True)
    hard_decline = fields.BooleanField(default=False)
    detail = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "charge_attempt"
        unique_together = (("invoice", "number"),)
