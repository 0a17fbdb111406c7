"""The events tenants hear of through their webhook endpoints: what each is, what it carries,
and how it is written. An event is written in the transaction of the change it announces, with
one delivery per endpoint that listens for it and the job that delivers them, so it exists
exactly when the change committed, and is sent only after the commit.

Each event carries the object as the API shows it: its fields by their API names (camelCase),
amounts as `{"amount": "49.99", "currency": "EUR"}`, dates and instants in ISO 8601."""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from remit.billing import clock, jobs, ledger, links
from remit.billing.money import Money
from remit.models.contracts import Contract
from remit.models.credit_notes import CreditNote
from remit.models.enums import InvoiceStatus as Status
from remit.models.invoices import Invoice
from remit.models.payments import Payment, Refund
from remit.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

DELIVER_JOB = "webhooks.deliver"

EVENT_TYPES = (
    "invoice.issued",
    "invoice.on_hold",
    "invoice.sent",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.overdue",
    "invoice.reminded",
    "invoice.voided",
    "credit_note.issued",
    "payment.received",
    "payment.refunded",
    "contract.live",
    "contract.ended",
)

# The invoice events named by the invoice's own event (billing/invoice_status.record).
_RECORDED = {
    "sent": "invoice.sent",
    "resent": "invoice.sent",
    "reminder_sent": "invoice.reminded",
    "payment_failed": "invoice.payment_failed",
}
_BECAME = {
    Status.ON_HOLD: "invoice.on_hold",
    Status.PAID: "invoice.paid",
    Status.OVERDUE: "invoice.overdue",
    Status.VOID: "invoice.voided",
}
_UNISSUED = frozenset({Status.DRAFT, Status.ON_HOLD})


def invoice_event_types(
    recorded: str, from_status: str | None = None, to_status: str | None = None
) -> list[str]:
    """The webhook events an invoice event announces, in order: an invoice issued already
    paid (nothing owed) is issued, then paid."""
    if recorded != "status_changed":
        return [_RECORDED[recorded]] if recorded in _RECORDED else []
    issued = from_status in _UNISSUED and to_status in (Status.DUE, Status.PAID)
    became = _BECAME.get(Status(to_status)) if to_status else None
    return (["invoice.issued"] if issued else []) + ([became] if became else [])


async def invoice_changed(invoice: Invoice, recorded: str, **statuses: str | None) -> None:
    types = invoice_event_types(recorded, statuses.get("from_status"), statuses.get("to_status"))
    for type in types:
        await emit(invoice.tenant_id, type, lambda: invoice_object(invoice))


async def contract_event(contract: Contract, type: str) -> None:
    await emit(contract.tenant_id, type, lambda: contract_object(contract))


async def credit_note_issued(credit_note: CreditNote) -> None:
    await emit(credit_note.tenant_id, "credit_note.issued", lambda: credit_note_object(credit_note))


async def payment_received(payment: Payment) -> None:
    await emit(payment.tenant_id, "payment.received", lambda: payment_object(payment))


async def payment_refunded(payment: Payment, refund: Refund) -> None:
    await emit(payment.tenant_id, "payment.refunded", lambda: payment_object(payment, refund))


async def emit(tenant_id: UUID, type: str, shown: Callable[[], dict]) -> None:
    """Write the event (`shown()` is its object) with a delivery to each of the tenant's
    enabled endpoints listening for `type`, inside the caller's transaction; nothing when
    none listens."""
    endpoints = [
        endpoint
        for endpoint in await WebhookEndpoint.filter(tenant_id=tenant_id, enabled=True).only(
            "id", "events"
        )
        if type in endpoint.events
    ]
    if not endpoints:
        return
    async with jobs.atomic():
        now, event_id = clock.now(), uuid4()
        event = await WebhookEvent.create(
            id=event_id,
            tenant_id=tenant_id,
            type=type,
            created_at=now,
            body={
                "id": str(event_id),
                "type": type,
                "createdAt": now.isoformat(),
                "tenantId": str(tenant_id),
                "data": shown(),
            },
        )
        deliveries = [
            WebhookDelivery(id=uuid4(), endpoint_id=endpoint.id, event=event, created_at=now)
            for endpoint in endpoints
        ]
        await WebhookDelivery.bulk_create(deliveries)
        for delivery in deliveries:
            await jobs.enqueue(
                DELIVER_JOB, str(delivery.endpoint_id), job_id=f"webhook:{delivery.id}"
            )


def _money(minor: int, currency: str) -> dict[str, str]:
    return {"amount": str(Money(minor, currency).amount), "currency": currency}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _api(value: Any) -> Any:
    """A stored value as the API shows it: camelCase keys, ISO dates, plain strings."""
    if isinstance(value, dict):
        return {_camel(key): _api(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_api(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    return value


def invoice_object(invoice: Invoice) -> dict:
    currency = invoice.currency
    return _api(
        {
            "id": invoice.id,
            "number": invoice.number,
            "status": str(invoice.status),
            "currency": currency,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "period_start": invoice.period_start,
            "period_end": invoice.period_end,
            "customer": invoice.customer,
            "provider": invoice.provider,
            "hold_reasons": invoice.hold_reasons,
            "public_url": links.invoice_url(invoice.public_token),
            "pdf_url": links.pdf_url(invoice.public_token),
            "sent_at": invoice.sent_at,
            "paid_at": invoice.paid_at,
            "paid_on": invoice.paid_on,
            "voided_at": invoice.voided_at,
            "contract_id": invoice.contract_id,
            "organization_id": invoice.organization_id,
        }
    ) | {
        "subtotal": _money(invoice.subtotal, currency),
        "tax": _money(invoice.tax, currency),
        "total": _money(invoice.total, currency),
        "amountPaid": _money(invoice.amount_paid, currency),
        "amountDue": _money(ledger.amount_due(invoice), currency),
    }


def credit_note_object(credit_note: CreditNote) -> dict:
    currency = credit_note.currency
    return _api(
        {
            "id": credit_note.id,
            "number": credit_note.number,
            "issue_date": credit_note.issue_date,
            "reason": credit_note.reason,
            "currency": currency,
            "refund": credit_note.refund,
            "created_at": credit_note.created_at,
            "created_by": credit_note.created_by,
            "public_url": links.credit_note_url(credit_note.public_token),
            "pdf_url": links.credit_note_pdf_url(credit_note.public_token),
            "invoice_id": credit_note.invoice_id,
            "organization_id": credit_note.organization_id,
        }
    ) | {
        "subtotal": _money(credit_note.subtotal, currency),
        "tax": _money(credit_note.tax, currency),
        "total": _money(credit_note.total, currency),
    }


def payment_object(payment: Payment, refund: Refund | None = None) -> dict:
    shown = _api(
        {
            "id": payment.id,
            "received_on": payment.received_on,
            "method": payment.method,
            "reference": payment.reference,
            "note": payment.note,
            "actor": payment.actor,
            "created_at": payment.created_at,
            "organization_id": payment.organization_id,
        }
    ) | {"amount": _money(payment.amount, payment.currency)}
    if refund is not None:
        shown["refund"] = _api(
            {
                "refunded_on": refund.refunded_on,
                "reference": refund.reference,
                "note": refund.note,
                "actor": refund.actor,
                "created_at": refund.created_at,
            }
        ) | {"amount": _money(refund.amount, refund.currency)}
    return shown


def contract_object(contract: Contract) -> dict:
    return _api(
        {
            "id": contract.id,
            "name": contract.name,
            "status": str(contract.status),
            "currency": contract.currency,
            "billing_cycle": str(contract.billing_cycle),
            "invoicing_start_date": contract.invoicing_start_date,
            "next_invoice_date": contract.next_invoice_date,
            "end_date": contract.end_date,
            "due_days": contract.due_days,
            "billing_email": contract.billing_email,
            "billing_emails_cc": contract.billing_emails_cc,
            "billing_address": contract.billing_address,
            "invoice_note": contract.invoice_note,
            "payment_providers": contract.payment_providers,
            "auto_charge": contract.auto_charge,
            "one_off": contract.one_off,
            "created_at": contract.created_at,
            "organization_id": contract.organization_id,
        }
    )
