"""A worker that dies between committing an issue job and sending the jobs it asked for
(the delivery, the next period's issue) loses nothing: they were written to the job outbox
in the invoice's transaction, and a relay sends them without waiting for the next cycle."""

import asyncio
from datetime import date
from email import message_from_bytes

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from remit.billing import jobs
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from remit.models.jobs import OutboxJob
from remit.workers import queue
from remit.workers.cycle import issue_invoice
from remit.workers.outbox import relay_jobs
from remit.workers.settings import build_worker
from tests import factories


def sender_failing_with(error: BaseException):
    async def send(job: jobs.Job) -> None:
        raise error

    return send


@pytest.mark.parametrize(
    "failure",
    [RedisConnectionError("Connection refused"), asyncio.CancelledError()],
    ids=["queue-unreachable", "worker-killed"],
)
async def test_the_jobs_of_a_committed_issue_are_relayed_after_a_crash(
    runtime, mail_server, drain_jobs, failure
):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    # A month late: January's issue job commits January's invoice and asks for its delivery
    # and for February's issue job; none of them reaches the queue.
    jobs.use_sender(sender_failing_with(failure))
    try:
        if isinstance(failure, asyncio.CancelledError):
            with pytest.raises(asyncio.CancelledError):
                await issue_invoice({}, str(contract.id), "2027-01-01", "2027-02-01")
        else:
            assert await issue_invoice({}, str(contract.id), "2027-01-01", "2027-02-01") == "issued"
    finally:
        jobs.use_sender(queue.sender(runtime.pool))
    january = await Invoice.get(contract=contract)
    assert (january.number, january.sent_at) == ("INV-000001", None)
    assert await runtime.pool.queued_jobs() == []
    assert sorted(await OutboxJob.all().values_list("job_id", flat=True)) == [
        f"deliver:{january.id}",
        f"issue:{contract.id}:2027-02-01",
    ]

    # The relay's cron entry sends what is older than a few seconds, once.
    assert await relay_jobs({}) == 0
    await OutboxJob.all().update(created_at=jobs._wall_clock() - jobs.RELAY_AFTER)
    assert await relay_jobs({}) == 2
    assert await relay_jobs({}) == 0
    await drain_jobs()

    invoices = await Invoice.filter(contract=contract).order_by("period_start")
    assert [(i.number, i.period_start, i.status) for i in invoices] == [
        ("INV-000001", date(2027, 1, 1), InvoiceStatus.DUE),
        ("INV-000002", date(2027, 2, 1), InvoiceStatus.DUE),
    ]
    assert all(invoice.sent_at is not None for invoice in invoices)
    subjects = sorted(
        message_from_bytes(envelope.original_content)["Subject"]
        for envelope in mail_server.envelopes
    )
    assert subjects == ["Invoice INV-000001 from Acme Corp", "Invoice INV-000002 from Acme Corp"]
    assert await OutboxJob.all().count() == 0


async def test_a_worker_starting_up_relays_every_unsent_job(runtime):
    jobs.use_sender(sender_failing_with(RedisConnectionError("Connection refused")))
    try:
        async with jobs.atomic():
            await jobs.enqueue("apikey.touch", "a", "b", job_id="just-committed")
    finally:
        jobs.use_sender(queue.sender(runtime.pool))
    worker = build_worker(runtime.pool, in_process=True, cycle_time="23:59")
    worker.ctx["redis"] = runtime.pool

    await worker.on_startup(worker.ctx)

    queued = await runtime.pool.queued_jobs()
    assert [job.job_id for job in queued if job.function == "apikey.touch"] == ["just-committed"]
    assert await OutboxJob.all().count() == 0
