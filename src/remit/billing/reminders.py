"""Overdue invoices and reminders. The day after its due date an unpaid invoice becomes
OVERDUE; on each of the tenant's reminder days after the due date the customer is
reminded, once per invoice and day; a run that missed days sends only the latest one due."""

from datetime import date, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError

from remit.billing import hooks, invoice_status, jobs, notices
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, Reminder
from remit.models.settings import InvoicingSettings

OVERDUE_JOB = "invoice.mark_overdue"
REMIND_JOB = "invoice.remind"
SYSTEM = "system"


async def plan(today: date) -> tuple[int, int]:
    """Ask for one job per invoice to mark overdue and per reminder to send."""
    # invoice_status.falls_overdue as a query; mark_overdue checks it again under lock.
    overdue = await Invoice.filter(status=InvoiceStatus.DUE, due_date__lt=today).values_list(
        "id", flat=True
    )
    for invoice_id in overdue:
        await jobs.enqueue(
            OVERDUE_JOB, str(invoice_id), today.isoformat(), job_id=f"overdue:{invoice_id}"
        )
    # Open and past due (invoice_status.is_open and is_past_due) as a query.
    unpaid = await Invoice.filter(
        status__in=list(invoice_status.OPEN), due_date__lt=today
    ).values_list("id", "tenant_id", "due_date")
    # Keyed by the id's text: drivers differ in the type they return for a foreign key.
    reminded: dict[str, int] = {}
    sent = Reminder.filter(invoice_id__in=[row[0] for row in unpaid]).values_list(
        "invoice_id", "offset_days"
    )
    for invoice_id, offset in await sent:
        reminded[str(invoice_id)] = max(offset, reminded.get(str(invoice_id), 0))
    days_by_tenant: dict[UUID, list[int]] = {}
    reminders = 0
    for invoice_id, tenant_id, due_date in unpaid:
        if tenant_id not in days_by_tenant:
            days_by_tenant[tenant_id] = (
                await InvoicingSettings.get(tenant_id=tenant_id)
            ).reminder_days
        offset = latest_offset(days_by_tenant[tenant_id], due_date, today)
        if offset is not None and offset > reminded.get(str(invoice_id), 0):
            await jobs.enqueue(
                REMIND_JOB, str(invoice_id), offset, job_id=f"remind:{invoice_id}:{offset}"
            )
            reminders += 1
    return len(overdue), reminders


def latest_offset(reminder_days: list[int], due_date: date, today: date) -> int | None:
    reached = [days for days in reminder_days if due_date + timedelta(days=days) <= today]
    return max(reached) if reached else None


async def mark_overdue(invoice_id: UUID, today: date) -> bool:
    async with jobs.atomic():
        invoice = await Invoice.select_for_update().get_or_none(id=invoice_id)
        if invoice is None or not invoice_status.falls_overdue(invoice, today):
            return False
        await invoice_status.move(
            invoice, InvoiceStatus.OVERDUE, actor=SYSTEM, detail=f"Due on {invoice.due_date}"
        )
    await hooks.status_changed(invoice, InvoiceStatus.DUE, SYSTEM)
    return True


async def remind(invoice_id: UUID, offset: int) -> bool:
    """At most one reminder per invoice and offset, and none once a later one went out or the
    invoice is paid or void. The Reminder row, unique per (invoice, offset), is the guard."""
    try:
        async with jobs.atomic():
            invoice = await Invoice.select_for_update().get_or_none(id=invoice_id)
            if invoice is None or not invoice_status.is_open(invoice):
                return False
            if await Reminder.filter(invoice=invoice, offset_days__gte=offset).exists():
                return False
            await Reminder.create(invoice=invoice, offset_days=offset)
            await notices.notice(invoice, "reminder", suffix=str(offset))
    except IntegrityError:
        return False
    return True
