"""`remit cycle run`, `remit reminders run`, `remit fees run` and `remit bank import`: plan the work, do its jobs
in this process (alongside any running workers) until none is ready, show progress and a
summary, and say how many jobs wait in the queue for a retry, and from when. `remit
reminders run --dry-run` only says what it would do."""

import asyncio
from datetime import date
from uuid import UUID

from arq.connections import ArqRedis
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from remit.billing import clock, cycle
from remit.billing.money import Money
from remit.runtime import Waiting, running, work_ready_jobs
from remit.settings import Settings


async def run_cycle(settings: Settings, day: date, tenant_id: UUID | None) -> None:
    console = Console()
    async with running(settings, run_jobs=False) as runtime:
        with clock.frozen(day):
            plan = await cycle.plan(day, tenant_id)
            tenant_ids = list(plan.due)
            work = asyncio.create_task(work_ready_jobs(runtime.pool))
            columns = (
                TextColumn("invoicing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console, transient=True) as progress:
                bar = progress.add_task("cycle", total=plan.total)
                while not work.done():
                    progress.update(bar, completed=await cycle.progress(day, tenant_ids))
                    await asyncio.sleep(0.2)
                progress.update(bar, completed=await cycle.progress(day, tenant_ids))
            waiting = await work
        await _summary(console, day, tenant_ids)
        _say_waiting(console, waiting)


async def run_reminders(settings: Settings, day: date) -> None:
    """Mark the day's overdue invoices and send the reminders due, then say how many."""
    from remit.billing import reminders

    async with running(settings, run_jobs=False) as runtime:
        with clock.frozen(day):
            overdue, reminded = await reminders.plan(day)
            waiting = await work_ready_jobs(runtime.pool)
    console = Console()
    console.print(f"{day}: {overdue} invoice(s) marked overdue, {reminded} reminder(s) due")
    _say_waiting(console, waiting)


async def preview_reminders(settings: Settings, day: date) -> None:
    """What `run_reminders` would do on `day`, one line per invoice marked overdue and per
    reminder; nothing is changed, sent or queued."""
    async with running(settings, run_jobs=False):
        with clock.frozen(day):
            lines = await reminder_lines(day)
    console = Console()
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)


async def reminder_lines(day: date) -> list[str]:
    from remit.billing import late_fees, reminders

    overdue = await reminders.becoming_overdue(day).order_by("due_date", "number")
    due = await reminders.due_reminders(day)
    lines = [
        f"{invoice.number} {invoice.customer.get('name')}: would be marked overdue "
        f"(due {invoice.due_date})"
        for invoice in overdue
    ]
    for reminder in due:
        invoice, step = reminder.invoice, reminder.step
        fee = Money(reminder.late_fee, invoice.currency).formatted() if reminder.late_fee else None
        lines.append(
            f"{invoice.number} {invoice.customer.get('name')}: would be reminded, "
            f"{late_fees.reminder_day(step)} ({step.tone})" + (f", late fee {fee}" if fee else "")
        )
    lines.append(
        f"{day} (dry run): {len(overdue)} invoice(s) would be marked overdue, {len(due)} "
        "reminder(s) would be sent; nothing was changed"
    )
    return lines


async def run_fees(settings: Settings, month: date) -> None:
    async with running(settings, run_jobs=False) as runtime:
        await bill_fees(runtime.pool, month, Console())


async def run_bank_import(settings: Settings, tenant_id: UUID, name: str, data: bytes) -> None:
    """Import a statement as the operator, then send the receipts of the invoices it paid."""
    from remit.billing import bank, tenants
    from remit.billing.roles import Actor

    async with running(settings, run_jobs=False) as runtime:
        tenant = await tenants.get(tenant_id)
        result = await bank.import_statement(Actor.system(tenant), data)
        waiting = await work_ready_jobs(runtime.pool)
    console = Console()
    console.print(
        f"remit: {name} ({result.kind}): {result.imported} imported, {result.duplicates} "
        f"already imported, {result.matched} matched, {result.unmatched} unmatched",
        highlight=False,
        soft_wrap=True,
    )
    _say_waiting(console, waiting)


async def bill_fees(pool: ArqRedis, month: date, console: Console) -> None:
    """Bill the month's processing fees, collect them, and show the operator where they stand."""
    from remit.billing import fees

    result = await fees.bill(month)
    waiting = await work_ready_jobs(pool)
    table = Table(
        "tenant",
        "invoices",
        "amount",
        "status",
        "attempts",
        title=f"Processing fees for {month:%B %Y}",
    )
    for name, fee in await fees.summary(month):
        amount = Money(fee.amount, fee.currency).formatted()
        table.add_row(name, str(fee.invoices_processed), amount, str(fee.status), str(fee.attempts))
    console.print(table)
    console.print(f"{result.created} new fee(s), {result.existing} already billed")
    for fee in await fees.failed():
        console.print(
            f"[red]failed[/red] {fee.tenant.name} {fee.month:%Y-%m}: {Money(fee.amount, fee.currency).formatted()}",
            highlight=False,
        )
    _say_waiting(console, waiting)


async def _summary(console: Console, day: date, tenant_ids: list[UUID]) -> None:
    table = Table("tenant", "due", "issued", "on hold", "failed", title=f"Invoicing cycle of {day}")
    runs = await cycle.runs_on(day, tenant_ids)
    for run in runs:
        table.add_row(
            run.tenant.name,
            *map(
                str,
                (run.contracts_due, run.invoices_issued, run.invoices_on_hold, len(run.failures)),
            ),
        )
    console.print(table if runs else f"No contract is due on {day}.")
    for run in runs:
        for failure in cycle.failures_of(run):
            console.print(
                f"[red]failed[/red] {run.tenant.name} contract {failure.contract_id}: "
                f"{failure.message} (error id {failure.error_id})",
                highlight=False,
            )


def _say_waiting(console: Console, waiting: Waiting) -> None:
    if waiting.count:
        console.print(str(waiting), highlight=False, soft_wrap=True)
