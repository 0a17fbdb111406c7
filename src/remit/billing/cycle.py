"""The daily invoicing cycle. Planning only finds the due contracts and asks for one issue
job each; the jobs do the work, on one worker or many, and keep each tenant's run of the day."""

import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import date
from uuid import UUID, uuid4

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from remit.billing import clock, contracts, invoice_status, issuing, jobs, previews
from remit.billing.errors import Conflict, InvalidTransition, NotFound, NotReady
from remit.billing.roles import Actor, Permission, require
from remit.models.contracts import Contract
from remit.models.enums import ContractStatus
from remit.models.invoices import Invoice
from remit.models.runs import InvoicingRun
from remit.models.tenants import Tenant

logger = logging.getLogger("remit.cycle")

BATCH = 500
PLAN_JOB = "cycle.plan"


# What the tenant reads about a contract whose invoice failed. The exception itself may name
# tables, hosts or other customers' data: it goes to the log, under the error id, only.
FAILURE_MESSAGE = (
    "The invoice for this contract could not be issued because of an error on our side. "
    "It is tried again automatically; if it keeps failing, contact support with the error id."
)


class IssueFailed(Exception):
    """Issuing failed for a reason nobody planned for; it is on the day's run, retry later."""

    def __init__(self, error_id: str) -> None:
        super().__init__(f"issuing failed, error id {error_id}")
        self.error_id = error_id


@dataclass(frozen=True)
class RunFailure:
    """One entry of `InvoicingRun.failures`, as stored (the JSON column holds these keys)."""

    contract_id: str
    message: str
    error_id: str


@dataclass
class Plan:
    day: date
    due: dict[UUID, int] = field(default_factory=dict)  # tenant id -> contracts due

    @property
    def total(self) -> int:
        return sum(self.due.values())


def due_contracts(today: date, tenant_id: UUID | None = None):
    found = Contract.filter(
        status=ContractStatus.LIVE, tenant__invoicing_enabled=True, next_invoice_date__lte=today
    ).filter(Q(end_date=None) | Q(end_date__gte=F("next_invoice_date")))
    return found.filter(tenant_id=tenant_id) if tenant_id else found


async def _batches(
    today: date, tenant_id: UUID | None
) -> AsyncIterator[list[tuple[UUID, UUID, date]]]:
    """(contract, tenant, period start) in id order, a batch at a time, so a cycle of a
    million contracts never holds them all."""
    after: UUID | None = None
    while True:
        page = due_contracts(today, tenant_id).order_by("id")
        if after is not None:
            page = page.filter(id__gt=after)
        rows = await page.limit(BATCH).values_list("id", "tenant_id", "next_invoice_date")
        if not rows:
            return
        yield rows
        after = rows[-1][0]


async def plan(today: date | None = None, tenant_id: UUID | None = None) -> Plan:
    """Ask for one issue job per due contract (deterministic ids: planning twice for the same
    day asks for nothing new) and open each tenant's run of the day."""
    today = today or clock.today()
    if tenant_id is not None and not await Tenant.exists(id=tenant_id):
        raise NotFound("tenant", tenant_id)
    result = Plan(today)
    async for rows in _batches(today, tenant_id):
        for contract_id, owner, period_start in rows:
            await issuing.enqueue_issue(contract_id, period_start, today)
            result.due[owner] = result.due.get(owner, 0) + 1
    for owner in result.due:
        await _open_run(owner, today)
    await resend_undelivered(today)
    return result


async def _open_run(tenant_id: UUID, today: date) -> None:
    """Open (or bring up to date) the tenant's run of the day. Due today = done + still due;
    the run row is locked while both are read, and an issue job counts its invoice on the same
    row in its own transaction, so no contract is counted twice however the two interleave."""
    await InvoicingRun.get_or_create(
        tenant_id=tenant_id, run_date=today, defaults={"started_at": clock.now()}
    )
    async with jobs.atomic():
        run = await InvoicingRun.select_for_update().get(tenant_id=tenant_id, run_date=today)
        remaining = await due_contracts(today, tenant_id).count()
        run.contracts_due = max(
            run.contracts_due, run.invoices_issued + run.invoices_on_hold + remaining
        )
        await run.save(update_fields=["contracts_due", "updated_at"])


async def resend_undelivered(today: date) -> int:
    """Ask again for the delivery of every issued invoice not sent yet. A worker that died
    between committing an invoice and sending its delivery job would otherwise leave it
    unsent; the fixed job id makes asking twice harmless."""
    from remit.billing.issuing import DELIVER_JOB

    pending = await Invoice.filter(
        sent_at=None,
        status__in=list(invoice_status.SENDABLE),
        issue_date__lte=today,
    ).values_list("id", flat=True)
    for invoice_id in pending:
        await jobs.enqueue(DELIVER_JOB, str(invoice_id), job_id=f"deliver:{invoice_id}")
    return len(pending)


async def issue(contract_id: UUID, period_start: date, today: date) -> issuing.IssueResult:
    """The cycle's issue job: issue the contract's invoice and keep the tenant's run of the
    day up to date. An unplanned failure is logged with its traceback under a new error id,
    recorded on the run with that id, and raised again as `IssueFailed` to be retried."""
    try:
        result = await issuing.issue(contract_id, period_start, today)
    except Exception as error:
        error_id = uuid4().hex
        logger.exception(
            "issuing contract %s for %s failed (error id %s)", contract_id, period_start, error_id
        )
        await _record_failure(contract_id, today, error_id)
        raise IssueFailed(error_id) from error
    if result.tenant_id is not None:
        await _bring_run_up_to_date(contract_id, result.tenant_id, today)
    return result


async def _record_failure(contract_id: UUID, today: date, error_id: str) -> None:
    contract = await Contract.get_or_none(id=contract_id)
    if contract is None:
        return
    failure = RunFailure(str(contract_id), FAILURE_MESSAGE, error_id)
    async with jobs.atomic():
        run, _ = await InvoicingRun.get_or_create(
            tenant_id=contract.tenant_id, run_date=today, defaults={"started_at": clock.now()}
        )
        run = await InvoicingRun.select_for_update().get(id=run.id)
        failures = [f for f in run.failures if f["contract_id"] != failure.contract_id]
        run.failures = [*failures, asdict(failure)]
        await run.save(update_fields=["failures", "updated_at"])


def _failed(run: InvoicingRun, contract_id: UUID) -> bool:
    return any(f["contract_id"] == str(contract_id) for f in run.failures)


async def _clear_failure(contract_id: UUID, run_id: UUID) -> InvoicingRun:
    """The run without the contract's failure, as it stands once that is written."""
    async with jobs.atomic():
        run = await InvoicingRun.select_for_update().get(id=run_id)
        if _failed(run, contract_id):
            run.failures = [f for f in run.failures if f["contract_id"] != str(contract_id)]
            await run.save(update_fields=["failures", "updated_at"])
    return run


def settled(run: InvoicingRun) -> int:
    """The run's contracts done with for the day: issued, held or failed."""
    return run.invoices_issued + run.invoices_on_hold + len(run.failures)


async def _bring_run_up_to_date(contract_id: UUID, tenant_id: UUID, today: date) -> None:
    """After an issue job: the contract's failure of an earlier try off the tenant's run of
    the day, and the run closed once every due contract is issued, held or failed. Read
    unlocked first: the failure is the contract's own, written only by its own job, which
    never runs twice at once (its job id), so the lock is taken only when there is one."""
    run = await InvoicingRun.get_or_none(tenant_id=tenant_id, run_date=today)
    if run is None:
        return
    if _failed(run, contract_id):
        run = await _clear_failure(contract_id, run.id)
    if run.finished_at is None and settled(run) >= run.contracts_due:
        await InvoicingRun.filter(id=run.id, finished_at=None).update(finished_at=clock.now())


def failures_of(run: InvoicingRun) -> list[RunFailure]:
    return [RunFailure(**failure) for failure in run.failures]


def runs(tenant: Tenant) -> QuerySet[InvoicingRun]:
    """The tenant's runs, one a day."""
    return InvoicingRun.filter(tenant=tenant)


async def runs_on(day: date, tenant_ids: list[UUID]) -> list[InvoicingRun]:
    """The day's runs of these tenants, each with its tenant, by tenant name."""
    found = await InvoicingRun.filter(run_date=day, tenant_id__in=tenant_ids).prefetch_related(
        "tenant"
    )
    return sorted(found, key=lambda run: run.tenant.name)


async def progress(day: date, tenant_ids: list[UUID]) -> int:
    """How many of the day's due contracts of these tenants are done with."""
    return sum(map(settled, await InvoicingRun.filter(run_date=day, tenant_id__in=tenant_ids)))


async def invoice_now(actor: Actor, contract_id: str) -> Invoice:
    """Issue a live contract's due invoice at once rather than at the next cycle: the cycle's
    own issue job, run now. It locks the contract and moves its next invoice date on, so
    neither a second call nor the cycle after it makes another invoice for the period."""
    require(actor, Permission.BILLING)
    contract = await contracts.get(actor.tenant, contract_id, field=["id"])
    contracts.refuse_one_off(contract, ["id"])
    if contract.status != ContractStatus.LIVE:
        raise InvalidTransition(
            f"Only a LIVE contract is invoiced; this one is {contract.status}.", field=["id"]
        )
    if not (await Tenant.get(id=contract.tenant_id)).invoicing_enabled:
        raise NotReady("Enable invoicing for this tenant first.")
    today = clock.today()
    due = await due_contracts(today, contract.tenant_id).get_or_none(id=contract.id)
    if due is None:
        await contract.refresh_from_db(fields=["next_invoice_date"])
        raise NotReady(
            f"Nothing is due today: the next invoice is on {contract.next_invoice_date}.",
            field=["id"],
        )
    if await previews.upcoming(due) is None:
        raise NotReady(
            f"Nothing to bill for the period from {due.next_invoice_date}.", field=["id"]
        )
    result = await issue(due.id, due.next_invoice_date, today)
    if result.invoice_id is None:
        # Issued (or found empty) by a concurrent run between the check and the lock.
        raise Conflict("The invoice for this period was issued meanwhile.", field=["id"])
    return await Invoice.get(id=result.invoice_id)
