from tortoise import fields

from remit.models.base import Entity, currency, email, money
from remit.models.enums import BilledType, BillingCycle, ContractStatus, VatCategory


class Contract(Entity):
    """What an organization is billed for, how often, and how it pays."""

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="contracts", on_delete=fields.CASCADE
    )
    organization = fields.ForeignKeyField(
        "remit.Organization", related_name="contracts", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=200)
    status = fields.CharEnumField(ContractStatus, max_length=10, default=ContractStatus.DRAFT)
    currency = currency()
    billing_cycle = fields.CharEnumField(BillingCycle, max_length=10, default=BillingCycle.MONTHLY)
    invoicing_start_date = fields.DateField(null=True)
    next_invoice_date = fields.DateField(null=True)
    end_date = fields.DateField(null=True)
    due_days = fields.IntField(default=30)
    billing_email = email(null=True)
    billing_emails_cc = fields.JSONField(default=list)
    billing_address = fields.JSONField(null=True)
    invoice_note = fields.TextField(null=True)
    buyer_reference = fields.CharField(
        max_length=200, null=True, description="The buyer's reference, a Leitweg-ID say (BT-10)"
    )
    purchase_order_reference = fields.CharField(
        max_length=200, null=True, description="The buyer's purchase order (BT-13)"
    )
    payment_providers = fields.JSONField(default=list)
    auto_charge = fields.BooleanField(default=False)
    # A catch-up of more periods than the limit is held for the tenant: the invoices of the
    # periods starting on or before `catch_up_held_through` are issued ON_HOLD until the tenant
    # confirms, which sets `catch_up_confirmed_through` to the same day.
    catch_up_held_through = fields.DateField(null=True)
    catch_up_confirmed_through = fields.DateField(null=True)
    # The contract of one one-off invoice: ENDED from the start, its terms and ONCE items are
    # the invoice's, and it changes only with the invoice (invoiceUpdate, invoiceDelete).
    one_off = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "contract"
        indexes = (("status", "next_invoice_date"), ("tenant_id",), ("organization_id",))


class ServiceLineItem(Entity):
    """One priced service on a contract."""

    # Once invoiced, an item is never edited in place: a change ends it and starts a new
    # version whose `replaces` points back.

    contract = fields.ForeignKeyField(
        "remit.Contract", related_name="service_line_items", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    currency = currency()
    unit_price = money("Price per unit")
    quantity = fields.DecimalField(max_digits=18, decimal_places=6, default=1)
    billed = fields.CharEnumField(BilledType, max_length=10)
    tax_rate = fields.DecimalField(max_digits=7, decimal_places=4, default=0, description="Percent")
    vat_category = fields.CharEnumField(
        VatCategory,
        max_length=2,
        null=True,
        description="Null: S when taxed, Z when not, AE under the reverse charge",
    )
    start_date = fields.DateField(null=True)
    end_date = fields.DateField(null=True)
    replaces = fields.ForeignKeyField(
        "remit.ServiceLineItem", related_name="replaced_by", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "service_line_item"
        indexes = (("contract_id",), ("replaces_id",))
