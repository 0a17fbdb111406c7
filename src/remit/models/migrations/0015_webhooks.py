from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from remit.models.webhooks import WebhookDeliveryStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("remit", "0014_tenant_logo")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("url", fields.CharField(max_length=2000)),
                (
                    "events",
                    fields.JSONField(
                        default=list,
                        description="The event types sent here",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("description", fields.CharField(null=True, max_length=500)),
                (
                    "secret",
                    fields.JSONField(
                        description="The signing secret, sealed like provider secrets",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("enabled", fields.BooleanField(default=True)),
                ("disabled_reason", fields.CharField(null=True, max_length=500)),
                ("busy_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_endpoint",
                "app": "remit",
                "indexes": [Index(fields=["tenant_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "Where a tenant wants to hear of its events, signed with the endpoint's own secret.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="WebhookEvent",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("type", fields.CharField(max_length=50)),
                (
                    "body",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_event",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "Something that happened to a tenant's object, written in the transaction that made it",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "remit.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "remit.WebhookEvent",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=WebhookDeliveryStatus.PENDING,
                        description="PENDING: PENDING\nDELIVERED: DELIVERED\nFAILED: FAILED",
                        enum_type=WebhookDeliveryStatus,
                        max_length=9,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                (
                    "next_attempt_at",
                    fields.DatetimeField(
                        null=True, description="Null: at once", auto_now=False, auto_now_add=False
                    ),
                ),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "created_at",
                    fields.DatetimeField(
                        description="The event's time: the order of delivery",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
            ],
            options={
                "table": "webhook_delivery",
                "app": "remit",
                "unique_together": (("endpoint", "event"),),
                "indexes": [Index(fields=["endpoint_id", "status", "created_at"])],
                "pk_attr": "id",
                "table_description": "One event for one endpoint, delivered once, after the endpoint's earlier events.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookAttempt",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "delivery",
                    fields.ForeignKeyField(
                        "remit.WebhookDelivery",
                        source_field="delivery_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attempt_log",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("status_code", fields.IntField(null=True, description="Null: no answer")),
                ("duration_ms", fields.IntField()),
                ("error", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "webhook_attempt",
                "app": "remit",
                "indexes": [Index(fields=["delivery_id", "at"])],
                "pk_attr": "id",
                "table_description": "One request to an endpoint and how it answered.",
            },
            bases=["Model"],
        ),
    ]
