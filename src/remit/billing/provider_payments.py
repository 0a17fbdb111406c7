"""Payments reported by providers (webhooks). Each provider event is processed once: its id
is stored in the same transaction as its effect, so a retried or replayed event is a no-op.

Each provider reference (a Stripe PaymentIntent) is one payment of the ledger, holding what
the provider says it received, and one refund of it, holding what the provider says it gave
back: each the provider's latest cumulative figure, never lowered. What the payment received
beyond its last figure is applied to the invoice (up to what it owes; the rest is the
organization's credit), and `ledger` derives the amount paid from the rows. So events may
arrive in any order (a refund before its payment), or twice, and the ledger is the same."""

import logging
from collections.abc import Mapping

from tortoise.exceptions import IntegrityError

from remit.billing import (
    cards,
    charge_retries,
    clock,
    hooks,
    ids,
    invoice_status,
    jobs,
    ledger,
    money,
    providers,
    webhook_events,
)
from remit.billing.errors import NotFound
from remit.models.enums import InvoiceStatus
from remit.models.invoices import ChargeAttempt, Invoice, InvoiceEvent
from remit.models.organizations import ProviderAccount
from remit.models.payments import Payment, Refund
from remit.models.provider_events import ProviderEvent
from remit.models.tenants import Tenant
from remit.plugins.api import CustomerAccount, PaymentEvent, PaymentEventKind, WebhookRejected

logger = logging.getLogger("remit.collections")


async def handle_webhook(
    key: str, tenant_id: str, headers: Mapping[str, str], body: bytes
) -> list[str]:
    """Verify and apply one provider callback for one tenant. Raises NotFound (no such
    tenant or provider set up) and the provider's WebhookRejected (not authentic)."""
    tenant = await Tenant.get_or_none(id=ids.parse("tenant", tenant_id))
    # Money a provider moved is recorded even after the tenant switched it off: a customer
    # may still pay a page made before, and refunds go on.
    sender = await providers.resolve(tenant.id, key, disabled_too=True) if tenant else None
    if sender is None:
        raise NotFound("payment provider set-up", f"{key}/{tenant_id}")
    events = readable(sender.provider.parse_webhook(headers, body, sender.settings))
    return [await apply(key, tenant, event) for event in events]


# More than any payment, and sums of such figures still fit a BIGINT column.
MAX_REPORTED_AMOUNT = 10**15


def readable(events: list[PaymentEvent]) -> list[PaymentEvent]:
    """`events` if Remit can store every one; WebhookRejected (answered 400, so the provider
    stops retrying what would fail every time) for an id longer than the column or an amount
    beyond any payment."""
    longest = ProviderEvent._meta.fields_map["event_id"].max_length
    for event in events:
        if len(event.event_id) > longest:
            raise WebhookRejected(
                f"unreadable event {event.event_id[:80]}...: its id is over {longest} characters"
            )
        if event.amount is not None and event.amount > MAX_REPORTED_AMOUNT:
            raise WebhookRejected(
                f"unreadable event {event.event_id}: amount {event.amount} is beyond any payment"
            )
    return events


async def apply(key: str, tenant: Tenant, event: PaymentEvent) -> str:
    if event.tenant_id is not None and event.tenant_id != tenant.id:
        logger.warning("%s event %s names another tenant; ignored", key, event.event_id)
        return "other tenant"
    try:
        async with jobs.atomic():
            await ProviderEvent.create(
                provider=key, event_id=event.event_id, tenant=tenant, type=str(event.kind)
            )
            invoice = None
            if event.invoice_id is not None:
                invoice = (
                    await Invoice.filter(tenant=tenant)
                    .select_for_update()
                    .get_or_none(id=event.invoice_id)
                )
            elif event.reference:
                invoice = await _by_ledger_reference(tenant, key, event.reference)
            if invoice is None:
                logger.info(
                    "%s event %s names no invoice of tenant %s", key, event.event_id, tenant.id
                )
                return "unknown invoice"
            old = InvoiceStatus(invoice.status)
            outcome = await _effect(key, invoice, event)
    except IntegrityError:
        return "already processed"
    if invoice.status != old:
        await hooks.status_changed(invoice, old, f"provider:{key}")
    if event.kind == PaymentEventKind.PAID:
        await hooks.payment_received(invoice, event, f"provider:{key}")
    return outcome


async def _effect(key: str, invoice: Invoice, event: PaymentEvent) -> str:
    actor = f"provider:{key}"
    if event.customer_account is not None:
        await _save_account(invoice, key, event.customer_account)
    if event.kind == PaymentEventKind.PAYMENT_METHOD_SAVED:
        return "payment method saved"
    if event.kind == PaymentEventKind.FAILED:
        return await _failed(invoice, event, actor)
    reference = event.reference or event.event_id
    moved = f"{money.shown(event.amount, event.currency)} ({reference})"
    uncounted = _not_countable(invoice, event, reference)
    if uncounted:
        await invoice_status.record(invoice, "payment_flagged", actor, uncounted)
        return "flagged"
    payment = (
        await Payment.filter(tenant_id=invoice.tenant_id, method=key, provider_reference=reference)
        .select_for_update()
        .first()
    )
    if event.kind == PaymentEventKind.PAID:
        if not invoice_status.is_open(invoice) and (payment is None or not payment.amount):
            detail = f"{moved} for a {invoice.status} invoice: refund it"
            await invoice_status.record(invoice, "payment_flagged", actor, detail)
            return "flagged"
        payment = payment or await _new_payment(invoice, key, reference)
        if event.amount > payment.amount:
            more = event.amount - payment.amount
            payment.amount = event.amount
            payment.received_on = event.paid_on or clock.today()
            await payment.save(update_fields=["amount", "received_on"])
            await webhook_events.payment_received(payment)
            applied = min(more, await ledger.owed_now(invoice))
            if applied > 0:
                await ledger.allocate(payment, invoice, applied)
        await invoice_status.record(invoice, "payment_received", actor, moved)
    elif event.kind == PaymentEventKind.REFUNDED:
        payment = payment or await _new_payment(invoice, key, reference)
        refund, _ = await Refund.get_or_create(
            payment=payment,
            provider_reference=reference,
            defaults={
                "currency": invoice.currency,
                "amount": 0,
                "refunded_on": clock.today(),
                "reference": reference,
                "actor": actor,
            },
        )
        if event.amount > refund.amount:
            refund.amount = event.amount
            refund.refunded_on = clock.today()
            await refund.save(update_fields=["amount", "refunded_on"])
            await webhook_events.payment_refunded(payment, refund)
        await invoice_status.record(invoice, "refunded", actor, moved)
    return await ledger.settle(invoice, actor, paid_on=event.paid_on or payment.received_on)


async def _failed(invoice: Invoice, event: PaymentEvent, actor: str) -> str:
    """A failed automatic charge is a declined attempt (retried, or not when hard); any
    other failure (a customer's card on the payment page) is told to the tenant."""
    attempt = None
    if event.reference:
        attempt = (
            await ChargeAttempt.filter(invoice=invoice, reference=event.reference)
            .select_for_update()
            .first()
        )
    if attempt is None:
        await invoice_status.record(invoice, charge_retries.FAILED, actor, event.detail)
        await charge_retries.tell_tenant_of_failure(invoice, event.detail, event.event_id)
    elif attempt.failed_at is None:
        await charge_retries.declined(invoice, attempt, event.detail, event.hard_decline, actor)
    return "payment failure recorded"


async def _new_payment(invoice: Invoice, key: str, reference: str) -> Payment:
    """The ledger's row for a provider reference first heard of, with nothing received yet:
    a refund may be reported before its payment."""
    return await Payment.create(
        tenant_id=invoice.tenant_id,
        organization_id=invoice.organization_id,
        currency=invoice.currency,
        amount=0,
        received_on=clock.today(),
        method=key,
        reference=reference,
        provider_reference=reference,
        actor=f"provider:{key}",
    )


def _not_countable(invoice: Invoice, event: PaymentEvent, reference: str) -> str | None:
    """Why a reported payment or refund cannot be counted towards the invoice, in words for
    the tenant, or None. Remit never converts currencies, and a figure it cannot read is
    not money received."""
    kind = "payment" if event.kind == PaymentEventKind.PAID else "refund"
    if type(event.amount) is not int or event.amount < 0:
        return (
            f"A {kind} ({reference}) was reported without an amount: not counted. "
            f"Check it with the provider."
        )
    if event.currency is not None and event.currency.upper() != invoice.currency:
        return (
            f"{money.shown(event.amount, event.currency)} ({reference}) for a "
            f"{invoice.currency} invoice: a {kind} in another currency is not counted. "
            "Check it with the provider."
        )
    return None


async def _by_ledger_reference(tenant: Tenant, key: str, reference: str) -> Invoice | None:
    """The invoice a payment already in the ledger was reported for, for an event that names
    no invoice (a Stripe refund whose charge carries no metadata, say). The ledger decides
    that the reference is known; the events recorded with the payment name its invoice."""
    if not await Payment.exists(tenant=tenant, method=key, provider_reference=reference):
        return None
    candidates = await InvoiceEvent.filter(
        invoice__tenant=tenant,
        type="payment_received",
        actor=f"provider:{key}",
        detail__endswith=f"({reference})",
    ).values_list("invoice_id", flat=True)
    if not candidates:
        return None
    return (
        await Invoice.filter(tenant=tenant, id__in=set(candidates))
        .select_for_update()
        .order_by("id")
        .first()
    )


async def _save_account(invoice: Invoice, key: str, account: CustomerAccount) -> None:
    """The organization's account with the provider; a new payment method becomes its
    default for automatic charges, and its expiry is asked for."""
    row = await ProviderAccount.get_or_none(organization_id=invoice.organization_id, provider=key)
    values = {
        "customer_ref": account.customer_ref or (row.customer_ref if row else None),
        "payment_method_ref": account.payment_method_ref
        or (row.payment_method_ref if row else None),
    }
    changed = values["payment_method_ref"] != (row.payment_method_ref if row else None)
    if changed:
        values["card_expires_on"] = None
    row, _ = await ProviderAccount.update_or_create(
        organization_id=invoice.organization_id, provider=key, defaults=values
    )
    if changed:
        await cards.saved(row)
