"""Jobs delivering tenants' webhook events, a cron entry that finds deliveries whose job was
lost, one that deletes the log of events long over, and telling a tenant its endpoint was
disabled."""

from uuid import UUID

from remit.billing import webhook_delivery
from remit.billing.mail import MailUnavailable
from remit.workers.retries import retry_later


async def deliver_webhooks(ctx: dict, endpoint_id: str) -> int:
    return await webhook_delivery.deliver(UUID(endpoint_id))


async def plan_late_deliveries(ctx: dict) -> int:
    return await webhook_delivery.plan_late()


async def forget_old_events(ctx: dict) -> int:
    return await webhook_delivery.forget_old()


async def endpoint_disabled_notice(ctx: dict, endpoint_id: str) -> str:
    try:
        return await webhook_delivery.disabled_notice(UUID(endpoint_id))
    except MailUnavailable as error:
        raise retry_later(ctx) from error
