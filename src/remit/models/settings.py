from tortoise import fields

from remit.models.base import Entity, currency, email
from remit.models.enums import PlatformBillingStatus


def default_reminder_days() -> list[int]:
    """A reminder 15 days after the due date."""
    return [15]


class InvoicingSettings(Entity):
    """Company details, branding, invoicing defaults and platform billing of a tenant."""

    tenant = fields.OneToOneField(
        "remit.Tenant", related_name="invoicing_settings", on_delete=fields.CASCADE
    )
    company_legal_name = fields.CharField(max_length=200, null=True)
    company_address = fields.JSONField(null=True)
    company_vat_number = fields.CharField(max_length=50, null=True)
    company_registration_id = fields.CharField(
        max_length=50, null=True, description="The company register number (BT-30)"
    )
    company_email = email(null=True)
    company_phone = fields.CharField(max_length=50, null=True)
    logo_url = fields.CharField(
        max_length=2000, null=True, description="The https address the stored logo was fetched from"
    )
    brand_color = fields.CharField(max_length=7, null=True)
    footer_note = fields.TextField(null=True)
    default_currency = currency(default="USD")
    default_due_days = fields.IntField(default=30)
    invoice_number_prefix = fields.CharField(max_length=20, default="INV")
    credit_note_number_prefix = fields.CharField(
        max_length=20, null=True, description="Null: the invoice number prefix and -CN"
    )
    send_invoices_from = email(null=True)
    send_invoices_bcc = fields.JSONField(default=list)
    reminder_days = fields.JSONField(default=default_reminder_days)
    dunning_steps = fields.JSONField(
        null=True,
        description="The reminder steps (see billing.dunning), one per reminder day, or "
        "if null each of reminder_days with the default tone and text",
    )
    card_retry_days = fields.JSONField(
        null=True,
        description="Days after a declined first charge to try again, or if null the default",
    )
    default_locale = fields.CharField(
        max_length=35, default="en", description="BCP 47: of customers without their own"
    )
    email_texts = fields.JSONField(
        default=list,
        description="Subjects and intros of emails per kind and language, as the tenant words them",
    )
    platform_billing_status = fields.CharEnumField(
        PlatformBillingStatus, max_length=10, default=PlatformBillingStatus.MISSING
    )
    platform_billing_kind = fields.CharField(max_length=20, null=True)
    platform_billing_method = fields.CharField(max_length=100, null=True)
    platform_billing_email = email(null=True)
    platform_stripe_customer_id = fields.CharField(max_length=100, null=True)
    platform_stripe_setup_intent_id = fields.CharField(max_length=100, null=True)
    platform_stripe_payment_method_id = fields.CharField(max_length=100, null=True)

    class Meta:
        table = "invoicing_settings"


class Logo(Entity):
    """The tenant's logo, stored here rather than on a disk: the servers of one Remit share
    only the database. Replaced whole when it changes; its hash names its URL."""

    tenant = fields.OneToOneField("remit.Tenant", related_name="logo", on_delete=fields.CASCADE)
    content = fields.BinaryField(description="The image as checked: PNG, JPEG or sanitised SVG")
    content_type = fields.CharField(max_length=20)
    sha256 = fields.CharField(max_length=64, description="Hex digest of content")

    class Meta:
        table = "logo"


class ProviderSettings(Entity):
    """The configuration of one payment provider for one tenant. Secrets never leave by the API."""

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="provider_settings", on_delete=fields.CASCADE
    )
    provider = fields.CharField(max_length=50)
    enabled = fields.BooleanField(default=False)
    settings = fields.JSONField(default=dict)

    class Meta:
        table = "provider_settings"
        unique_together = (("tenant", "provider"),)
