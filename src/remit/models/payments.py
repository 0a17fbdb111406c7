from tortoise import fields
from tortoise.models import Model

from remit.models.base import currency, money

MANUAL = "manual"


class Payment(Model):
    """Money an organization paid, recorded by hand or reported by a payment provider."""

    # A provider payment is one row per provider reference (the unique triple): a replayed or
    # reordered event finds it. Manual payments have no provider reference, so any number of
    # them may share a method and a free-text reference.

    id = fields.UUIDField(primary_key=True)
    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="payments", on_delete=fields.CASCADE
    )
    organization = fields.ForeignKeyField(
        "remit.Organization", related_name="payments", on_delete=fields.RESTRICT
    )
    currency = currency()
    amount = money(
        "Received: for a provider payment, the provider's latest cumulative figure", default=0
    )
    received_on = fields.DateField(description="The day the money arrived")
    method = fields.CharField(max_length=50, description="A payment provider's key, or manual")
    reference = fields.CharField(max_length=255, null=True)
    provider_reference = fields.CharField(
        max_length=255, null=True, description="The provider's own id, null when manual"
    )
    actor = fields.CharField(
        max_length=100, description="user:<email>, apikey:<prefix>, provider:<key>, system"
    )
    note = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment"
        unique_together = (("tenant", "method", "provider_reference"),)
        indexes = (("organization_id", "currency"),)


class PaymentAllocation(Model):
    """The part of a payment applied to one invoice."""

    id = fields.UUIDField(primary_key=True)
    payment = fields.ForeignKeyField(
        "remit.Payment", related_name="allocations", on_delete=fields.CASCADE
    )
    invoice = fields.ForeignKeyField(
        "remit.Invoice", related_name="allocations", on_delete=fields.RESTRICT
    )
    currency = currency()
    amount = money("Applied to the invoice")
    from_credit = fields.BooleanField(
        default=False, description="Applied at issue from the organization's credit balance"
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_allocation"
        indexes = (("invoice_id",),)
        unique_together = (("payment", "invoice"),)


class Refund(Model):
    """Money of a payment given back: by hand, or as a provider reported it."""

    # A provider reports the cumulative amount refunded on one of its payments: that payment
    # has one provider refund row (its provider reference, unique with the payment) holding
    # the latest figure, so a replay or an older figure arriving late changes nothing.

    id = fields.UUIDField(primary_key=True)
    payment = fields.ForeignKeyField(
        "remit.Payment", related_name="refunds", on_delete=fields.CASCADE
    )
    currency = currency()
    amount = money("Given back")
    refunded_on = fields.DateField()
    reference = fields.CharField(max_length=255, null=True)
    provider_reference = fields.CharField(
        max_length=255, null=True, description="The provider's own id, null when manual"
    )
    actor = fields.CharField(max_length=100)
    note = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refund"
        unique_together = (("payment", "provider_reference"),)
