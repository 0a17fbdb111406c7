from tortoise import fields
from tortoise.models import Model


class ProviderEvent(Model):
    """A processed provider callback."""

    # Written in the same transaction as the event's effect, so a retried or replayed event
    # finds it and does nothing.

    id = fields.UUIDField(primary_key=True)
    provider = fields.CharField(max_length=50)
    event_id = fields.CharField(max_length=255)
    tenant = fields.ForeignKeyField(
        "remit.Tenant",
        related_name="provider_events",
        null=True,
        on_delete=fields.CASCADE,
        description="Null for the platform account of the operator",
    )
    type = fields.CharField(max_length=100)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "provider_event"
        indexes = (("tenant_id",),)
        unique_together = (("provider", "event_id"),)
