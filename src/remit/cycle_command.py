"""`remit cycle run`: plan the day's cycle, work its jobs to completion in this process
(alongside any running workers), show progress and a summary."""

import asyncio
from datetime import date
from uuid import UUID

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from remit.billing import clock, cycle
from remit.billing.money import Money
from remit.runtime import running
from remit.settings import Settings
from remit.workers.settings import build_worker


async def run_cycle(settings: Settings, day: date, tenant_id: UUID | None) -> None:
    console = Console()
    async with running(settings, run_jobs=False) as runtime:
        with clock.frozen(day):
            plan = await cycle.plan(day, tenant_id)
            tenant_ids = list(plan.due)
            worker = build_worker(
                runtime.pool, in_process=True, burst=True, poll_delay=0.05, on_startup=None
            )
            work = asyncio.create_task(worker.main())
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
            await work
        await _summary(console, day, tenant_ids)


async def run_reminders(settings: Settings, day: date) -> None:
    """Mark the day's overdue invoices and send the reminders due, then say how many."""
    from remit.billing import reminders

    async with running(settings, run_jobs=False) as runtime:
        with clock.frozen(day):
            overdue, reminded = await reminders.plan(day)
            worker = build_worker(
                runtime.pool, in_process=True, burst=True, poll_delay=0.05, on_startup=None
            )
            await worker.main()
    Console().print(f"{day}: {overdue} invoice(s) marked overdue, {reminded} reminder(s) due")


async def run_fees(settings: Settings, month: date) -> None:
    """Bill the month's processing fees, collect them, and show the operator where they stand."""
    from remit.billing import fees

    async with running(settings, run_jobs=False) as runtime:
        result = await fees.bill(month)
        worker = build_worker(
            runtime.pool, in_process=True, burst=True, poll_delay=0.05, on_startup=None
        )
        await worker.main()
        console = Console()
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
            table.add_row(
                name, str(fee.invoices_processed), amount, str(fee.status), str(fee.attempts)
            )
        console.print(table)
        console.print(f"{result.created} new fee(s), {result.existing} already billed")
        for fee in await fees.failed():
            console.print(
                f"[red]failed[/red] {fee.tenant.name} {fee.month:%Y-%m}: {Money(fee.amount, fee.currency).formatted()}",
                highlight=False,
            )


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
