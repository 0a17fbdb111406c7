"""Jobs on one issued invoice: charging it automatically, delivering it and its credit notes,
and the refunds its credit notes ask for."""

from datetime import date
from uuid import UUID

from remit.billing import (
    cards,
    charge_retries,
    charging,
    clock,
    credit_note_delivery,
    credit_notes,
    delivery,
    pages,
    reminders,
)
from remit.billing.mail import MailUnavailable
from remit.plugins.api import ProviderUnavailable
from remit.workers.retries import retry_later


async def charge_invoice(ctx: dict, invoice_id: str, provider: str, number: int = 0) -> str:
    try:
        return await charging.charge(UUID(invoice_id), provider, number)
    except ProviderUnavailable as error:
        raise retry_later(ctx) from error


async def deliver_invoice(ctx: dict, invoice_id: str, resend: bool = False) -> str:
    try:
        return await delivery.deliver(UUID(invoice_id), resend=resend)
    except (MailUnavailable, ProviderUnavailable) as error:
        raise retry_later(ctx) from error


async def deliver_credit_note(ctx: dict, credit_note_id: str) -> str:
    try:
        return await credit_note_delivery.deliver(UUID(credit_note_id))
    except MailUnavailable as error:
        raise retry_later(ctx) from error


async def refund_credit_note(ctx: dict, credit_note_id: str, payment_id: str, amount: int) -> str:
    try:
        return await credit_notes.refund(UUID(credit_note_id), UUID(payment_id), amount)
    except ProviderUnavailable as error:
        raise retry_later(ctx) from error


async def send_notice(ctx: dict, invoice_id: str, kind: str, suffix: str = "") -> str:
    try:
        return await delivery.send_notice(UUID(invoice_id), kind, suffix)
    except MailUnavailable as error:
        raise retry_later(ctx) from error


async def mark_overdue(ctx: dict, invoice_id: str, today: str) -> bool:
    return await reminders.mark_overdue(UUID(invoice_id), date.fromisoformat(today))


async def remind(ctx: dict, invoice_id: str, offset: int) -> bool:
    return await reminders.remind(UUID(invoice_id), offset)


async def plan_reminders(ctx: dict, today: str | None = None) -> tuple[int, int]:
    return await reminders.plan(date.fromisoformat(today) if today else clock.today())


async def plan_charge_retries(ctx: dict, today: str | None = None) -> tuple[int, int]:
    """Declined charges to try again, and saved cards about to expire to warn of."""
    day = date.fromisoformat(today) if today else clock.today()
    return await charge_retries.plan(day), await cards.plan_expiry_notices(day)


async def send_tenant_notice(ctx: dict, invoice_id: str, kind: str, reason: str = "") -> str:
    try:
        return await delivery.send_tenant_notice(UUID(invoice_id), kind, reason)
    except MailUnavailable as error:
        raise retry_later(ctx) from error


async def close_payment_pages(ctx: dict, invoice_id: str) -> int:
    try:
        return await pages.close_payment_pages(UUID(invoice_id))
    except ProviderUnavailable as error:
        raise retry_later(ctx) from error


async def record_card_expiry(ctx: dict, account_id: str, payment_method_ref: str) -> str:
    try:
        return str(await cards.record_expiry(UUID(account_id), payment_method_ref))
    except ProviderUnavailable as error:
        raise retry_later(ctx) from error


async def notify_card_expiry(ctx: dict, account_id: str, today: str) -> bool:
    return await cards.notify_expiry(UUID(account_id), date.fromisoformat(today))
