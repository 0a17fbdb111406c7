from tortoise import fields

from remit.models.base import Entity
from remit.models.enums import EInvoiceFormat


class Organization(Entity):
    """A customer of a tenant."""

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="organizations", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    legal_name = fields.CharField(max_length=200, null=True)
    billing_emails = fields.JSONField(default=list)
    address = fields.JSONField(null=True)
    tax_id = fields.CharField(max_length=50, null=True)  # its VAT identifier (BT-48)
    legal_registration_id = fields.CharField(
        max_length=50, null=True, description="Its company register number (BT-47)"
    )
    einvoice_format = fields.CharEnumField(
        EInvoiceFormat, max_length=15, default=EInvoiceFormat.FACTURX, db_default="FACTURX"
    )
    dunning_steps = fields.JSONField(
        null=True, description="Its own reminder steps, or if null those of the tenant"
    )
    dunning_paused_at = fields.DatetimeField(null=True, description="Paused since, or null")
    dunning_pause_reason = fields.TextField(null=True)
    dunning_paused_until = fields.DateField(
        null=True, description="Reminders resume on this day, or when resumed if null"
    )
    locale = fields.CharField(
        max_length=35, null=True, description="BCP 47, or null for the tenant default locale"
    )

    class Meta:
        table = "organization"
        indexes = (("tenant_id", "name"),)


class ProviderAccount(Entity):
    """What a payment provider keeps for one organization: its customer id there and a saved
    payment method that can be charged off-session."""

    organization = fields.ForeignKeyField(
        "remit.Organization", related_name="provider_accounts", on_delete=fields.CASCADE
    )
    provider = fields.CharField(max_length=50)
    customer_ref = fields.CharField(max_length=255, null=True)
    payment_method_ref = fields.CharField(max_length=255, null=True)
    card_expires_on = fields.DateField(
        null=True, description="The last day the saved method can be charged, if it expires"
    )
    expiry_notice_for = fields.CharField(
        max_length=255, null=True, description="The saved method whose expiry was told, once"
    )

    class Meta:
        table = "provider_account"
        unique_together = (("organization", "provider"),)
