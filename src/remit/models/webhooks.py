from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from remit.models.base import Entity


class WebhookDeliveryStatus(StrEnum):
    PENDING = "PENDING"  # waiting for its turn or for its next attempt
    DELIVERED = "DELIVERED"  # the endpoint answered 2xx
    FAILED = "FAILED"  # retried for three days without success


class WebhookEndpoint(Entity):
    """Where a tenant wants to hear of its events, signed with the endpoint's own secret."""

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2000)
    events = fields.JSONField(default=list, description="The event types sent here")
    description = fields.CharField(max_length=500, null=True)
    secret = fields.JSONField(description="The signing secret, sealed like provider secrets")
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=500, null=True)
    # One delivery run at a time per endpoint, so its events arrive in order: a run holds the
    # endpoint until then (a run that died frees it when the time is up).
    busy_until = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_endpoint"
        indexes = (("tenant_id", "created_at"),)


class WebhookEvent(Model):
    """Something that happened to a tenant's object, written in the transaction that made it
    happen; `body` is exactly what every endpoint receives."""

    id = fields.UUIDField(primary_key=True)
    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="webhook_events", on_delete=fields.CASCADE
    )
    type = fields.CharField(max_length=50)
    body = fields.JSONField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_event"
        indexes = (("tenant_id",),)


class WebhookDelivery(Model):
    """One event for one endpoint, delivered once, after the endpoint's earlier events."""

    id = fields.UUIDField(primary_key=True)
    endpoint = fields.ForeignKeyField(
        "remit.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    event = fields.ForeignKeyField(
        "remit.WebhookEvent", related_name="deliveries", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(WebhookDeliveryStatus, default=WebhookDeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, description="Null: at once")
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(description="The event's time: the order of delivery")

    class Meta:
        table = "webhook_delivery"
        unique_together = (("endpoint", "event"),)
        indexes = (("endpoint_id", "status", "created_at"), ("event_id",))


class WebhookAttempt(Model):
    """One request to an endpoint and how it answered."""

    id = fields.UUIDField(primary_key=True)
    delivery = fields.ForeignKeyField(
        "remit.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    status_code = fields.IntField(null=True, description="Null: no answer")
    duration_ms = fields.IntField()
    error = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "webhook_attempt"
        indexes = (("delivery_id", "at"),)
