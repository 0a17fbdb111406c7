"""The status changes a user makes from an invoice screen: paid by hand, back to due (undo
a manual payment), void. The customer is told once: a receipt when paid, a notice when void."""

from datetime import date

from remit.billing import clock, hooks, ids, invoice_status, jobs, pages
from remit.billing.errors import Invalid, InvalidTransition, NotFound
from remit.billing.roles import Actor, Permission, require
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.plugins.api import PaymentEvent, PaymentEventKind

NOTICE_JOB = "invoice.notice"
CHOICES = {InvoiceStatus.PAID, InvoiceStatus.DUE, InvoiceStatus.VOID}


async def _paid_by_provider(invoice: Invoice) -> str | None:
    last = (
        await InvoiceEvent.filter(
            invoice=invoice, type="status_changed", to_status=InvoiceStatus.PAID
        )
        .order_by("-at", "-id")
        .first()
    )
    return last.actor if last and last.actor.startswith("provider:") else None


async def notice(invoice: Invoice, kind: str, suffix: str = "") -> None:
    """One email of `kind` to the customer (once per invoice, or per `suffix`: a reminder's
    day), sent after the change commits."""
    await jobs.enqueue(
        NOTICE_JOB, str(invoice.id), kind, suffix, job_id=f"notice:{kind}:{invoice.id}:{suffix}"
    )


async def receipt(invoice: Invoice) -> None:
    """One receipt each time the invoice becomes PAID (paid, undone and paid again: two),
    but none for a payment undone before its receipt went out."""
    await notice(invoice, "receipt", suffix=invoice_status.payment_key(invoice))


async def change_status(
    actor: Actor,
    invoice_id: str,
    new: InvoiceStatus,
    *,
    paid_on: date | None = None,
    note: str | None = None,
) -> Invoice:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    if new not in CHOICES:
        raise Invalid(
            f"An invoice can be set to PAID, DUE or VOID here, not {new}.", field=["status"]
        )
    async with jobs.atomic():
        invoice = (
            await Invoice.filter(tenant=tenant)
            .select_for_update()
            .get_or_none(id=ids.parse("invoice", invoice_id, field=["id"]))
        )
        if invoice is None:
            raise NotFound("invoice", invoice_id, field=["id"])
        old = InvoiceStatus(invoice.status)
        payment = None
        if new == InvoiceStatus.PAID:
            payment = await _mark_paid(invoice, paid_on, note, actor.who)
        elif new == InvoiceStatus.DUE:
            await _undo_payment(invoice, note, actor.who)
        else:
            await _void(invoice, note, actor.who)
    await hooks.status_changed(invoice, old, actor.who)
    if payment is not None:
        await hooks.payment_received(invoice, payment, actor.who)
    return invoice


async def _mark_paid(
    invoice: Invoice, given: date | None, note: str | None, actor: str
) -> PaymentEvent:
    """Settle what is still owed, on the day given (today by default); the payment is
    announced to plugins as a provider's is."""
    paid_on = given or clock.today()
    if paid_on > clock.today():
        raise Invalid("The payment date is in the future.", field=["paid_on"])
    invoice_status.check(invoice, InvoiceStatus.PAID, only_from=invoice_status.OPEN)
    if given is not None and invoice.issue_date is not None and given < invoice.issue_date:
        raise Invalid(
            f"The payment date is before the invoice's issue date ({invoice.issue_date}).",
            field=["paid_on"],
        )
    received = invoice.total - invoice.amount_paid
    invoice.amount_paid = invoice.total
    await invoice.save(update_fields=["amount_paid", "updated_at"])
    detail = f"Paid on {paid_on.isoformat()}" + (f": {note}" if note else "")
    await invoice_status.move(
        invoice, InvoiceStatus.PAID, actor=actor, detail=detail, paid_on=paid_on
    )
    await receipt(invoice)
    return PaymentEvent(
        event_id=f"manual:{invoice.id}:{invoice.paid_at:%Y%m%d%H%M%S%f}",
        kind=PaymentEventKind.PAID,
        invoice_id=invoice.id,
        tenant_id=invoice.tenant_id,
        amount=received,
        currency=invoice.currency,
        detail=detail,
    )


async def _undo_payment(invoice: Invoice, note: str | None, actor: str) -> None:
    if invoice.status != InvoiceStatus.PAID:
        raise InvalidTransition(
            f"Only a PAID invoice can go back to DUE; this one is {invoice.status}."
        )
    provider = await _paid_by_provider(invoice)
    if provider is not None:
        raise InvalidTransition(
            f"This payment was confirmed by {provider.removeprefix('provider:')}; refund it there instead."
        )
    invoice.amount_paid = 0
    await invoice.save(update_fields=["amount_paid", "updated_at"])
    await invoice_status.move(
        invoice,
        invoice_status.reopened_status(invoice, clock.today()),
        actor=actor,
        detail=note or "Manual payment undone",
    )


async def _void(invoice: Invoice, note: str | None, actor: str) -> None:
    if invoice.status == InvoiceStatus.PAID:
        raise InvalidTransition(
            "A PAID invoice cannot be voided: undo the payment or refund it first."
        )
    was_sent = invoice.sent_at is not None
    await invoice_status.move(invoice, InvoiceStatus.VOID, actor=actor, detail=note)
    await jobs.enqueue(pages.CLOSE_JOB, str(invoice.id), job_id=f"close-pages:{invoice.id}")
    if was_sent:
        await notice(invoice, "void")
