"""The invoice status machine: every status change goes through `move`, which checks the
transition against one table and writes the event (who, when, from, to, why). The groups of
statuses the rest of billing asks about, and the small rules built on them, are here too."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import date

from tortoise import timezone

from remit.billing import clock, live, webhook_events
from remit.billing.errors import InvalidTransition
from remit.models.enums import InvoiceStatus as Status
from remit.models.invoices import Invoice, InvoiceEvent

ALLOWED: dict[Status, set[Status]] = {
    Status.DRAFT: {Status.ON_HOLD, Status.DUE, Status.PAID, Status.VOID},
    Status.ON_HOLD: {Status.DUE, Status.PAID, Status.VOID},
    Status.DUE: {Status.OVERDUE, Status.PAID, Status.VOID},
    Status.OVERDUE: {Status.PAID, Status.VOID},
    # Undoing a payment; VOID when a credit note credits all of it (the money goes back).
    Status.PAID: {Status.DUE, Status.OVERDUE, Status.VOID},
    Status.VOID: set(),
}

TIMESTAMPS = {Status.PAID: "paid_at", Status.VOID: "voided_at"}

# Issued and still owed: the customer may pay it, be charged and be reminded.
OPEN = frozenset({Status.DUE, Status.OVERDUE})
# Issued and standing: the invoice email goes out (a paid one too, as its record).
SENDABLE = OPEN | {Status.PAID}
# Issued: it has a public page. A void one keeps it, to tell the customer it is void.
VISIBLE = SENDABLE | {Status.VOID}

# What must still hold when a notice to the customer goes out; one no longer true is not sent.
NOTICE_STATUSES: dict[str, frozenset[Status]] = {
    "reminder": OPEN,
    "receipt": frozenset({Status.PAID}),
    "void": frozenset({Status.VOID}),
    "card_declined": OPEN,
    # A warning about the card, not about the invoice it is sent with.
    "card_expiring": VISIBLE,
}


def is_open(invoice: Invoice) -> bool:
    return invoice.status in OPEN


def is_sendable(invoice: Invoice) -> bool:
    return invoice.status in SENDABLE


def is_past_due(invoice: Invoice, today: date) -> bool:
    return invoice.due_date is not None and invoice.due_date < today


def falls_overdue(invoice: Invoice, today: date) -> bool:
    """A DUE invoice becomes OVERDUE the day after its due date."""
    return invoice.status == Status.DUE and is_past_due(invoice, today)


def reopened_status(invoice: Invoice, today: date) -> Status:
    """Where a PAID invoice goes when its payment is undone or refunded."""
    return Status.OVERDUE if is_past_due(invoice, today) else Status.DUE


def payment_key(invoice: Invoice) -> str:
    """Which payment of a PAID invoice this is (paid, undone and paid again: two)."""
    return f"{invoice.paid_at:%Y%m%d%H%M%S%f}"


def notice_applies(invoice: Invoice, kind: str, suffix: str = "") -> bool:
    """Whether a notice of `kind` (asked for with `suffix`) may still go out. A receipt is
    for one payment: not for one undone since, even if the invoice was paid again."""
    if invoice.status not in NOTICE_STATUSES[kind]:
        return False
    if kind == "receipt" and suffix and invoice.paid_at is not None:
        return suffix == payment_key(invoice)
    return True


_written_together: ContextVar[list[InvoiceEvent] | None] = ContextVar(
    "events_written_together", default=None
)


@asynccontextmanager
async def events_written_together() -> AsyncIterator[None]:
    """The events recorded inside are written in one statement as the block ends, inside the
    caller's transaction, rather than one statement each: for a block that never reads
    them back. An error inside writes none (the transaction rolls back anyway)."""
    pending: list[InvoiceEvent] = []
    token = _written_together.set(pending)
    try:
        yield
    finally:
        _written_together.reset(token)
    if pending:
        await InvoiceEvent.bulk_create(pending)


async def record(
    invoice: Invoice, type: str, actor: str, detail: str | None = None, **statuses
) -> InvoiceEvent:
    """Write the event; every change to an invoice does, so live subscribers and webhook
    endpoints are told here."""
    pending = _written_together.get()
    if pending is None:
        event = await InvoiceEvent.create(
            invoice=invoice, type=type, actor=actor, detail=detail, **statuses
        )
    else:
        # Its time is when it happened, not when the block wrote it.
        event = InvoiceEvent(
            invoice=invoice, type=type, actor=actor, detail=detail, at=timezone.now(), **statuses
        )
        pending.append(event)
    await live.invoice_changed(invoice)
    await webhook_events.invoice_changed(invoice, type, **statuses)
    return event


def check(invoice: Invoice, new: Status, *, only_from: frozenset[Status] | None = None) -> None:
    """Raise InvalidTransition unless the table lets `invoice` become `new`, and, for a caller
    that allows fewer starting points (a user marks only an open invoice paid), unless its
    status is one of `only_from`."""
    old = Status(invoice.status)
    if new not in ALLOWED[old] or (only_from is not None and old not in only_from):
        raise InvalidTransition(f"A {old} invoice cannot become {new}.")


async def move(
    invoice: Invoice,
    new: Status,
    *,
    actor: str,
    detail: str | None = None,
    paid_on: date | None = None,
    changed: tuple[str, ...] = (),
) -> None:
    """Change the status of an invoice the caller holds locked, inside its transaction.
    Becoming PAID, it is paid on `paid_on` (the day the money arrived; today by default);
    leaving PAID, it has no payment day nor time. The fields named in `changed`, set by the
    caller, are saved with the status, in the same statement."""
    old = Status(invoice.status)
    check(invoice, new)
    invoice.status = new
    fields = ["status", "updated_at", *changed]
    if new in TIMESTAMPS:
        setattr(invoice, TIMESTAMPS[new], clock.now())
        fields.append(TIMESTAMPS[new])
    if new == Status.PAID:
        invoice.paid_on = paid_on or clock.today()
        fields.append("paid_on")
    if old == Status.PAID:
        invoice.paid_at = None
        invoice.paid_on = None
        fields += ["paid_at", "paid_on"]
    await invoice.save(update_fields=fields)
    await record(invoice, "status_changed", actor, detail, from_status=old, to_status=new)
