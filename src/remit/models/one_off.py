from tortoise import fields
from tortoise.models import Model

from remit.models.base import email


class OneOffTerms(Model):
    """The terms of a one-off invoice, which has no contract to take them from.

    The same terms a contract gives its invoices: to whom it goes, when it falls due, what
    it notes and how it can be paid."""

    id = fields.UUIDField(primary_key=True)
    invoice = fields.OneToOneField(
        "remit.Invoice", related_name="one_off_terms", on_delete=fields.CASCADE
    )
    due_days = fields.IntField()
    billing_email = email(null=True)
    billing_emails_cc = fields.JSONField(default=list)
    invoice_note = fields.TextField(null=True)
    payment_providers = fields.JSONField(default=list)

    class Meta:
        table = "one_off_terms"
