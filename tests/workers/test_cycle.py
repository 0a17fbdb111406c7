from datetime import date

import pytest
from arq import Retry

from remit.billing import clock, cycle, issuing
from remit.models.runs import InvoicingRun
from remit.workers.cycle import (
    catch_up_after_queue_loss,
    issue_invoice,
    mark_queue,
    plan_cycle,
)
from tests import factories


async def test_the_issue_job_issues_and_a_failed_one_is_retried_later(runtime, monkeypatch):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    args = (str(contract.id), "2027-01-01", "2027-01-01")
    assert await plan_cycle({}, "2027-01-01") == 1

    async def broken(*args):
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(issuing, "issue", broken)
        with pytest.raises(Retry) as retry:
            await issue_invoice({"job_try": 2}, *args)
    issued = await issue_invoice({"job_try": 3}, *args)

    assert isinstance(retry.value.__cause__, cycle.IssueFailed)
    assert retry.value.defer_score == 120_000  # the second try waits two minutes
    assert issued == "issued"
    run = await InvoicingRun.get(tenant=tenant)
    assert (run.invoices_issued, run.failures) == (1, [])


async def test_a_queue_that_lost_its_data_has_the_day_planned_again_once(runtime):
    ctx = {"redis": runtime.pool}
    await mark_queue(ctx)  # at start-up
    kept = await catch_up_after_queue_loss(ctx, "00:00")
    await runtime.pool.flushdb()  # Redis restarted without its data
    lost = await catch_up_after_queue_loss(ctx, "00:00")
    again = await catch_up_after_queue_loss(ctx, "00:00")

    assert (kept, lost, again) == (False, True, False)
    assert [(job.function, job.args) for job in await runtime.pool.queued_jobs()] == [
        ("cycle.plan", (clock.today().isoformat(),))
    ]
