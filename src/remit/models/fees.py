from tortoise import fields

from remit.models.base import Entity, currency, money
from remit.models.enums import PlatformFeeStatus


class PlatformFee(Entity):
    """The invoicing processing fee Remit bills a tenant for one month."""

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="platform_fees", on_delete=fields.CASCADE
    )
    month = fields.DateField(description="First day of the month billed")
    invoices_processed = fields.IntField()
    currency = currency()
    amount = money("Fee")
    status = fields.CharEnumField(
        PlatformFeeStatus, max_length=10, default=PlatformFeeStatus.PENDING
    )
    attempts = fields.IntField(default=0)
    stripe_payment_intent_id = fields.CharField(max_length=100, null=True)

    class Meta:
        table = "platform_fee"
        unique_together = (("tenant", "month"),)
