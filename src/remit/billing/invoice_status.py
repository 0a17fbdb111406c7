"""The invoice status machine: every status change goes through `move`, which checks the
transition against one table and writes the event (who, when, from, to, why)."""

from remit.billing import clock
from remit.billing.errors import InvalidTransition
from remit.models.enums import InvoiceStatus as Status
from remit.models.invoices import Invoice, InvoiceEvent

ALLOWED: dict[Status, set[Status]] = {
    Status.DRAFT: {Status.ON_HOLD, Status.DUE, Status.PAID, Status.VOID},
    Status.ON_HOLD: {Status.DUE, Status.PAID, Status.VOID},
    Status.DUE: {Status.OVERDUE, Status.PAID, Status.VOID},
    Status.OVERDUE: {Status.PAID, Status.VOID},
    Status.PAID: {Status.DUE, Status.OVERDUE},  # undoing a payment
    Status.VOID: set(),
}

TIMESTAMPS = {Status.PAID: "paid_at", Status.VOID: "voided_at"}


async def record(
    invoice: Invoice, type: str, actor: str, detail: str | None = None, **statuses
) -> InvoiceEvent:
    return await InvoiceEvent.create(
        invoice=invoice, type=type, actor=actor, detail=detail, **statuses
    )


async def move(invoice: Invoice, new: Status, *, actor: str, detail: str | None = None) -> None:
    """Change the status of an invoice the caller holds locked, inside its transaction."""
    old = Status(invoice.status)
    if new not in ALLOWED[old]:
        raise InvalidTransition(f"A {old} invoice cannot become {new}.")
    invoice.status = new
    fields = ["status", "updated_at"]
    if new in TIMESTAMPS:
        setattr(invoice, TIMESTAMPS[new], clock.now())
        fields.append(TIMESTAMPS[new])
    if old == Status.PAID:
        invoice.paid_at = None
        fields.append("paid_at")
    await invoice.save(update_fields=fields)
    await record(invoice, "status_changed", actor, detail, from_status=old, to_status=new)
