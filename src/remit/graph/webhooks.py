"""Webhook endpoints: where a tenant's events are sent, and each delivery with its attempts.
See docs/webhooks.md for the events, their payload and how to verify a signature."""

from datetime import datetime
from operator import attrgetter

import strawberry
from strawberry.scalars import JSON

from remit.billing import webhooks
from remit.billing.errors import RemitError
from remit.billing.webhook_events import EVENT_TYPES
from remit.graph.context import Info
from remit.graph.errors import UserError, payload
from remit.graph.inputs import changes_of
from remit.graph.nodes import Node
from remit.graph.pagination import Connection, paginate
from remit.models import webhooks as models

WebhookDeliveryStatus = strawberry.enum(models.WebhookDeliveryStatus)

EVENTS_DESCRIPTION = "Event types sent to the endpoint: " + ", ".join(EVENT_TYPES) + "."


@strawberry.type
class WebhookEndpoint(Node):
    url: str
    events: list[str] = strawberry.field(description=EVENTS_DESCRIPTION)
    description: str | None
    enabled: bool = strawberry.field(
        description="False once three days of deliveries failed, or when the tenant says so."
    )
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, endpoint: models.WebhookEndpoint) -> "WebhookEndpoint":
        return cls(
            id=strawberry.ID(str(endpoint.id)),
            url=endpoint.url,
            events=list(endpoint.events),
            description=endpoint.description,
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


@strawberry.type
class WebhookAttempt:
    at: datetime
    status_code: int | None = strawberry.field(description="Null when nothing answered.")
    duration_ms: int
    error: str | None


@strawberry.type
class WebhookDelivery(Node):
    model: strawberry.Private[models.WebhookDelivery]
    event_id: strawberry.ID
    event_type: str
    payload: JSON = strawberry.field(description="The body sent, exactly.")
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @strawberry.field(description="Every request made, oldest first.")
    async def attempt_log(self, info: Info) -> list[WebhookAttempt]:
        loader = info.context.loaders.grouped(webhooks.attempts_of, attrgetter("delivery_id"))
        rows = await loader.load(self.model.id)
        return [
            WebhookAttempt(
                at=row.at, status_code=row.status_code, duration_ms=row.duration_ms, error=row.error
            )
            for row in rows
        ]

    @classmethod
    def from_model(cls, delivery: models.WebhookDelivery) -> "WebhookDelivery":
        return cls(
            model=delivery,
            id=strawberry.ID(str(delivery.id)),
            event_id=strawberry.ID(str(delivery.event_id)),
            event_type=delivery.event.type,
            payload=delivery.event.body,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


@strawberry.input
class WebhookEndpointInput:
    url: str = strawberry.field(description="http(s); not a private or loopback address.")
    events: list[str] = strawberry.field(description=EVENTS_DESCRIPTION)
    description: str | None = None


@strawberry.input
class WebhookEndpointUpdateInput:
    url: str | None = strawberry.UNSET
    events: list[str] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(
        description="The signing secret, given once, when the endpoint is created; null after."
    )
    errors: list[UserError]


@strawberry.type
class WebhookEndpointUpdatePayload:
    endpoint: WebhookEndpoint | None
    errors: list[UserError]


@strawberry.type
class WebhookEndpointDeletePayload:
    deleted_webhook_endpoint_id: strawberry.ID | None
    errors: list[UserError]


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None
    errors: list[UserError]


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="The tenant's webhook endpoints, oldest first.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        found = await webhooks.endpoints(info.context.actor).order_by("created_at", "id")
        return [WebhookEndpoint.from_model(endpoint) for endpoint in found]

    @strawberry.field(description="The deliveries to one endpoint, newest first.")
    async def webhook_deliveries(
        self, info: Info, endpoint_id: strawberry.ID, first: int = 50, after: str | None = None
    ) -> Connection[WebhookDelivery]:
        found = webhooks.deliveries(info.context.actor, endpoint_id)
        return await paginate(
            found, WebhookDelivery.from_model, first=first, after=after, newest_first=True
        )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="A webhook endpoint (OWNER, ADMIN). Its signing secret is in the payload, "
        "this once."
    )
    async def webhook_endpoint_create(
        self, info: Info, input: WebhookEndpointInput
    ) -> WebhookEndpointPayload:
        try:
            created = await webhooks.create(
                info.context.actor, input.url, input.events, input.description
            )
        except RemitError as error:
            return WebhookEndpointPayload(
                endpoint=None, secret=None, errors=UserError.list_from(error, prefix=["input"])
            )
        return WebhookEndpointPayload(
            endpoint=WebhookEndpoint.from_model(created.endpoint),
            secret=created.secret,
            errors=[],
        )

    @strawberry.mutation(
        description="Change an endpoint (OWNER, ADMIN). Enabled again, it gets the events "
        "that waited for it, in order."
    )
    async def webhook_endpoint_update(
        self, info: Info, id: strawberry.ID, input: WebhookEndpointUpdateInput
    ) -> WebhookEndpointUpdatePayload:
        return await payload(
            WebhookEndpointUpdatePayload,
            webhooks.update(info.context.actor, id, changes_of(input)),
            WebhookEndpoint.from_model,
            prefix=["input"],
        )

    @strawberry.mutation(description="Delete an endpoint (OWNER, ADMIN): nothing more is sent.")
    async def webhook_endpoint_delete(
        self, info: Info, id: strawberry.ID
    ) -> WebhookEndpointDeletePayload:
        return await payload(
            WebhookEndpointDeletePayload,
            webhooks.delete(info.context.actor, id),
            lambda deleted: strawberry.ID(str(deleted)),
        )

    @strawberry.mutation(description="Send a delivery again now, in its turn (OWNER, ADMIN).")
    async def webhook_delivery_retry(self, info: Info, id: strawberry.ID) -> WebhookDeliveryPayload:
        return await payload(
            WebhookDeliveryPayload,
            webhooks.retry(info.context.actor, id),
            WebhookDelivery.from_model,
        )
