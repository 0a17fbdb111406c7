"""Retrying declined automatic charges. Each charge of an invoice is a ChargeAttempt row
(number 0 the first, then one per retry). A declined one, at once or later by webhook, is
recorded as a `payment_failed` event, emailed to the customer (with links to pay and to save
another card) and summed up for the tenant. A soft decline is charged again on the tenant's
`card_retry_days` after the first attempt (by default 3, 5 and 7); a hard decline (the
provider says the card will never be accepted) ends the retries, as any payment of the
invoice does."""

from datetime import date, timedelta
from uuid import UUID

from remit.billing import clock, invoice_status, jobs, ledger, notices
from remit.models.invoices import ChargeAttempt, Invoice
from remit.models.payments import PaymentAllocation
from remit.models.settings import InvoicingSettings

CHARGE_JOB = "invoice.charge"
FAILED = "payment_failed"
TENANT_NOTICE_JOB = "invoice.tenant_notice"
DEFAULT_RETRY_DAYS = [3, 5, 7]


def retry_days(settings: InvoicingSettings) -> list[int]:
    return DEFAULT_RETRY_DAYS if settings.card_retry_days is None else settings.card_retry_days


async def next_retry_on(invoice: Invoice, failed: ChargeAttempt) -> date | None:
    """The day the invoice is charged again after the declined attempt `failed`: None after
    a hard decline or the last retry."""
    if failed.hard_decline:
        return None
    days = retry_days(await InvoicingSettings.get(tenant_id=invoice.tenant_id))
    if failed.number >= len(days):
        return None
    first = await ChargeAttempt.get(invoice=invoice, number=0)
    return first.attempted_on + timedelta(days=days[failed.number])


async def paid_since_first_attempt(invoice: Invoice) -> bool:
    """Any payment of the invoice since it was first charged stops the retries."""
    first = await ChargeAttempt.get_or_none(invoice=invoice, number=0)
    return first is not None and await PaymentAllocation.exists(
        invoice=invoice, created_at__gte=first.created_at
    )


async def may_charge(invoice: Invoice, number: int) -> bool:
    """Whether attempt `number` of the invoice may go to the provider: the invoice owes
    money, no attempt was a hard decline, this one has not failed already and (for a retry)
    no payment came since the first."""
    if not invoice_status.is_open(invoice) or ledger.amount_due(invoice) <= 0:
        return False
    attempts = await ChargeAttempt.filter(invoice=invoice)
    if any(attempt.hard_decline for attempt in attempts):
        return False
    if any(attempt.number == number and attempt.failed_at for attempt in attempts):
        return False
    return number == 0 or not await paid_since_first_attempt(invoice)


def summary(attempt: ChargeAttempt, reason: str | None, retry_on: date | None) -> str:
    """What the tenant reads about a declined attempt."""
    said = f"{reason or 'No reason given'} (attempt {attempt.number + 1}"
    if attempt.hard_decline:
        return f"{said}; a hard decline: the card will not be charged again)"
    if retry_on is None:
        return f"{said}; that was the last retry)"
    return f"{said}; it will be charged again on {retry_on})"


async def declined(
    invoice: Invoice, attempt: ChargeAttempt, reason: str | None, hard: bool, actor: str
) -> None:
    """Record a declined attempt once, inside the caller's transaction, and tell the
    customer and the tenant after it commits."""
    attempt.failed_at = clock.now()
    attempt.hard_decline = hard
    attempt.detail = reason
    await attempt.save(update_fields=["failed_at", "hard_decline", "detail"])
    detail = summary(attempt, reason, await next_retry_on(invoice, attempt))
    await invoice_status.record(invoice, FAILED, actor, detail)
    await tell_tenant_of_failure(invoice, detail, f"charge:{invoice.id}:{attempt.number}")
    await notices.notice(invoice, "card_declined", suffix=str(attempt.number))


async def tell_tenant_of_failure(invoice: Invoice, reason: str | None, notice_id: str) -> None:
    """The tenant's payment_failed email, sent once per `notice_id` after the transaction
    commits."""
    await jobs.enqueue(
        TENANT_NOTICE_JOB,
        str(invoice.id),
        "payment_failed",
        reason or "",
        job_id=f"tenant-notice:{notice_id}",
    )


async def plan(today: date) -> int:
    """Ask for one charge job per invoice whose next retry has come; the job checks again."""
    latest: dict[UUID, ChargeAttempt] = {}
    failed = ChargeAttempt.filter(
        failed_at__not_isnull=True, invoice__status__in=list(invoice_status.OPEN)
    ).order_by("number")
    for attempt in await failed:
        latest[attempt.invoice_id] = attempt
    asked = 0
    for attempt in latest.values():
        if await ChargeAttempt.exists(invoice_id=attempt.invoice_id, number__gt=attempt.number):
            continue  # a later attempt is under way: its outcome decides
        invoice = await Invoice.get(id=attempt.invoice_id)
        retry_on = await next_retry_on(invoice, attempt)
        if (
            retry_on is None
            or retry_on > today
            or not await may_charge(invoice, attempt.number + 1)
        ):
            continue
        number = attempt.number + 1
        await jobs.enqueue(
            CHARGE_JOB,
            str(invoice.id),
            attempt.provider,
            number,
            job_id=f"charge:{invoice.id}:{number}",
        )
        asked += 1
    return asked
