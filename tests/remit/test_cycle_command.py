import asyncio
import io
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from rich.console import Console

from remit.billing import cycle, fees
from remit.cycle_command import _summary, bill_fees
from remit.models.enums import PlatformFeeStatus
from remit.models.fees import PlatformFee
from remit.models.runs import InvoicingRun
from remit.models.settings import InvoicingSettings
from remit.runtime import work_ready_jobs
from tests import factories


async def test_the_summary_names_each_failure_with_its_message_and_error_id(runtime):
    tenant, _ = await factories.tenant()
    failure = {"contract_id": "c1", "message": "It could not be issued.", "error_id": "e1"}
    await InvoicingRun.create(
        tenant=tenant,
        run_date=date(2027, 1, 1),
        started_at=datetime(2027, 1, 1, 8, 15, tzinfo=UTC),
        contracts_due=2,
        invoices_issued=1,
        failures=[failure],
    )
    output = io.StringIO()

    await _summary(Console(file=output, width=120), date(2027, 1, 1), [tenant.id])

    lines = [line.strip() for line in output.getvalue().strip().splitlines()]
    assert lines[4] == "│ Acme Corp │ 2   │ 1      │ 0       │ 1      │"
    assert lines[-1] == "failed Acme Corp contract c1: It could not be issued. (error id e1)"


async def test_fees_run_ends_despite_a_retry_days_away_and_says_when_it_is(runtime, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    # A month already over, so that its fee can be billed today.
    await factories.live_contract(tenant, date(2026, 11, 1))
    await cycle.plan(date(2026, 11, 1))
    await drain_jobs()
    # A card fee with no saved card fails, and its next attempt is planned in two days.
    await InvoicingSettings.filter(tenant=tenant).update(platform_billing_kind="card")
    output = io.StringIO()
    before = datetime.now(UTC)

    await asyncio.wait_for(
        bill_fees(runtime.pool, date(2026, 11, 1), Console(file=output, width=120)), 30
    )

    after = datetime.now(UTC)
    fee = await PlatformFee.get(tenant=tenant)
    assert (fee.status, fee.attempts) == (PlatformFeeStatus.PENDING, 1)
    lines = output.getvalue().strip().splitlines()
    assert lines[-2] == "1 new fee(s), 0 already billed"
    assert lines[-1] in {
        f"1 job(s) waiting for a retry, the first at {at + timedelta(days=2):%Y-%m-%d %H:%M} UTC."
        for at in (before, after)
    }
    [waiting] = await runtime.pool.queued_jobs()
    assert (waiting.function, waiting.args) == (fees.COLLECT_JOB, (str(fee.id), 2))


async def test_working_the_ready_jobs_leaves_the_deferred_ones_and_counts_them(runtime):
    first = datetime.now(UTC) + timedelta(minutes=5)
    await runtime.pool.enqueue_job("apikey.touch", str(uuid4()), first.isoformat(), _job_id="now")
    for minutes in (5, 60):
        await runtime.pool.enqueue_job(
            "apikey.touch",
            str(uuid4()),
            first.isoformat(),
            _job_id=f"in-{minutes}",
            _defer_by=timedelta(minutes=minutes),
        )

    waiting = await asyncio.wait_for(work_ready_jobs(runtime.pool), 30)

    assert waiting.count == 2
    assert abs(waiting.first_at - first) < timedelta(seconds=5)
    assert sorted(job.job_id for job in await runtime.pool.queued_jobs()) == ["in-5", "in-60"]
    assert (await runtime.pool.all_job_results())[0].job_id == "now"
