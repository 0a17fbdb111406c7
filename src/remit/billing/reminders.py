"""Overdue invoices and reminders. The day after its due date an unpaid invoice becomes
OVERDUE. An open invoice is reminded on each step of its dunning schedule (billing.dunning:
days before, on or after the due date), once per invoice and step, never while it or its
organization is paused (billing.dunning_pauses); a run that missed days (or a pause that
ended) sends only the latest step reached."""

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError

from remit.billing import (
    clock,
    dunning,
    dunning_pauses,
    hooks,
    invoice_status,
    issuing,
    jobs,
    late_fees,
    ledger,
    notices,
)
from remit.billing.dunning import Step
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, Reminder
from remit.models.organizations import Organization
from remit.models.settings import InvoicingSettings

OVERDUE_JOB = "invoice.mark_overdue"
REMIND_JOB = "invoice.remind"
SYSTEM = "system"


@dataclass(frozen=True)
class DueReminder:
    """A reminder a run would send today: the invoice, its organization and the step."""

    invoice: Invoice
    organization: Organization
    step: Step
    late_fee: int


def becoming_overdue(today: date):
    """invoice_status.falls_overdue as a query; mark_overdue checks it again under lock."""
    return Invoice.filter(status=InvoiceStatus.DUE, due_date__lt=today)


async def plan(today: date) -> tuple[int, int]:
    """Ask for one job per invoice to mark overdue and per reminder to send."""
    overdue = await becoming_overdue(today).values_list("id", flat=True)
    for invoice_id in overdue:
        await jobs.enqueue(
            OVERDUE_JOB, str(invoice_id), today.isoformat(), job_id=f"overdue:{invoice_id}"
        )
    due = await due_reminders(today)
    for reminder in due:
        invoice_id, offset = reminder.invoice.id, reminder.step.offset_days
        await jobs.enqueue(
            REMIND_JOB, str(invoice_id), offset, job_id=f"remind:{invoice_id}:{offset}"
        )
    return len(overdue), len(due)


async def last_sent(invoice_ids: list[UUID]) -> dict[str, int]:
    """The latest step each invoice was reminded of, by the id's text (drivers differ in the
    type they return for a foreign key)."""
    latest: dict[str, int] = {}
    sent = Reminder.filter(invoice_id__in=invoice_ids).values_list("invoice_id", "offset_days")
    for invoice_id, offset in await sent:
        key = str(invoice_id)
        latest[key] = max(offset, latest.get(key, offset))
    return latest


async def due_reminders(today: date) -> list[DueReminder]:
    """The reminders a run on `today` sends: for each open invoice owing money, not paused,
    the latest step of its schedule reached and not sent yet. Reads only."""
    # Open (invoice_status.is_open) and close enough to its due date for the earliest step.
    candidates = await Invoice.filter(
        status__in=list(invoice_status.OPEN),
        due_date__lte=today - timedelta(days=dunning.EARLIEST_DAY),
    ).order_by("due_date", "number")
    candidates = [
        invoice
        for invoice in candidates
        if ledger.amount_due(invoice) > 0 and not dunning_pauses.is_paused(invoice, today)
    ]
    organizations = {
        organization.id: organization
        for organization in await Organization.filter(
            id__in={invoice.organization_id for invoice in candidates}
        )
    }
    settings = {
        row.tenant_id: row
        for row in await InvoicingSettings.filter(
            tenant_id__in={invoice.tenant_id for invoice in candidates}
        )
    }
    sent = await last_sent([invoice.id for invoice in candidates])
    due = []
    for invoice in candidates:
        organization = organizations[invoice.organization_id]
        if dunning_pauses.is_paused(organization, today):
            continue
        steps = dunning.steps_for(settings[invoice.tenant_id], organization)
        step = dunning.latest_reached(steps, invoice.due_date, today)
        previous = sent.get(str(invoice.id))
        if step is not None and (previous is None or step.offset_days > previous):
            fee = await late_fees.fee_of(invoice, step)
            due.append(DueReminder(invoice, organization, step, fee))
    return due


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


async def _step_due(invoice: Invoice, offset: int, today: date) -> Step | None:
    """The invoice's step at `offset`, if it still calls for a reminder today: the invoice
    open and owing, neither it nor its organization paused, the step still in its schedule
    and its day come."""
    if not invoice_status.is_open(invoice) or ledger.amount_due(invoice) <= 0:
        return None
    organization = await Organization.get(id=invoice.organization_id)
    if dunning_pauses.is_paused(invoice, today) or dunning_pauses.is_paused(organization, today):
        return None
    settings = await InvoicingSettings.get(tenant_id=invoice.tenant_id)
    for step in dunning.steps_for(settings, organization):
        if step.offset_days == offset and step.day(invoice.due_date) <= today:
            return step
    return None


async def remind(invoice_id: UUID, offset: int) -> bool:
    """At most one reminder per invoice and step, and none once a later one went out, the
    invoice is paid, credited, void or paused. The Reminder row, unique per (invoice,
    offset), is the guard; the step's late fee is made with it."""
    fee = None
    try:
        async with jobs.atomic():
            invoice = await Invoice.select_for_update().get_or_none(id=invoice_id)
            step = await _step_due(invoice, offset, clock.today()) if invoice else None
            if step is None:
                return False
            if await Reminder.filter(invoice=invoice, offset_days__gte=offset).exists():
                return False
            reminder = await Reminder.create(
                invoice=invoice, offset_days=offset, tone=str(step.tone), text=step.text
            )
            fee = await late_fees.charge(invoice, reminder, step)
            detail = f"{late_fees.reminder_day(step)} ({step.tone})"
            if fee is not None:
                detail += f", late fee invoice {fee[0].number or fee[0].id}"
            await invoice_status.record(invoice, "reminded", SYSTEM, detail)
            await notices.notice(invoice, "reminder", suffix=str(offset))
    except IntegrityError:
        return False
    if fee is not None:
        await issuing.announce(*fee, SYSTEM)
    return True


@dataclass(frozen=True)
class Pause:
    """Why and until when an invoice's reminders are paused, and whether by the invoice's
    own pause or its organization's."""

    reason: str | None
    until: date | None
    by_organization: bool


@dataclass(frozen=True)
class Schedule:
    """An invoice's dunning as it stands: the reminders sent, the step it gets next and
    on which day (None: no more), and the pause holding them, if any."""

    sent: list[Reminder]
    next_step: Step | None
    next_on: date | None
    pause: Pause | None


def _pause(invoice: Invoice, organization: Organization, today: date) -> Pause | None:
    for row, by_organization in ((invoice, False), (organization, True)):
        if dunning_pauses.is_paused(row, today):
            return Pause(row.dunning_pause_reason, row.dunning_paused_until, by_organization)
    return None


async def schedule_of(invoice: Invoice) -> Schedule:
    today = clock.today()
    sent = await Reminder.filter(invoice=invoice).order_by("offset_days")
    organization = await Organization.get(id=invoice.organization_id)
    pause = _pause(invoice, organization, today)
    step = None
    if invoice_status.is_open(invoice) and ledger.amount_due(invoice) > 0:
        steps = dunning.steps_for(
            await InvoicingSettings.get(tenant_id=invoice.tenant_id), organization
        )
        last = sent[-1].offset_days if sent else None
        step = dunning.next_step(steps, invoice.due_date, today, last)
    if step is None or (pause is not None and pause.until is None):
        return Schedule(sent, step, None, pause)
    # A step whose day has passed goes at the next run, or when the pause ends.
    on = max(step.day(invoice.due_date), today, pause.until if pause else today)
    return Schedule(sent, step, on, pause)
