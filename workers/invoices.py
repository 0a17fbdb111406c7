"""Jobs on one issued invoice: charging it automatically, and delivering it."""

from uuid import UUID

from billing import charging, delivery
from billing.mail import MailUnavailable
from plugins.api import ProviderUnavailable
from workers.retries import retry_later


async def charge_invoice(ctx: dict, invoice_id: str, provider: str) -> str:
    try:
        return await charging.charge(UUID(invoice_id), provider)
    except ProviderUnavailable as error:
        raise retry_later(ctx) from error


async def deliver_invoice(ctx: dict, invoice_id: str, resend: bool = False) -> str:
    try:
        return await delivery.deliver(UUID(invoice_id), resend=resend)
    except (MailUnavailable, ProviderUnavailable) as error:
        raise retry_later(ctx) from error
