import pytest

from remit.billing import jobs
from remit.models.tenants import Tenant


async def test_a_job_asked_for_in_a_transaction_is_sent_after_it_commits(runtime):
    async with jobs.atomic():
        await Tenant.create(name="Initech")
        await jobs.enqueue("apikey.touch", "a", "b", job_id="job-1")
        assert await runtime.pool.queued_jobs() == []

    queued = await runtime.pool.queued_jobs()
    assert [(job.function, job.args) for job in queued] == [("apikey.touch", ("a", "b"))]


async def test_a_rolled_back_transaction_sends_nothing(runtime):
    with pytest.raises(RuntimeError, match="boom"):
        async with jobs.atomic():
            await Tenant.create(name="Initech")
            await jobs.enqueue("apikey.touch", "a", "b", job_id="job-1")
            raise RuntimeError("boom")

    assert await runtime.pool.queued_jobs() == []
    assert await Tenant.all().count() == 0


async def test_nested_blocks_send_when_the_outermost_commits(runtime):
    async with jobs.atomic():
        async with jobs.atomic():
            await jobs.enqueue("apikey.touch", "inner", "x", job_id="inner")
        assert await runtime.pool.queued_jobs() == []
        await jobs.enqueue("apikey.touch", "outer", "x", job_id="outer")

    assert sorted(job.args[0] for job in await runtime.pool.queued_jobs()) == ["inner", "outer"]


async def test_outside_a_transaction_a_job_is_sent_at_once(runtime):
    await jobs.enqueue("apikey.touch", "a", "b", job_id="now")

    assert [job.args for job in await runtime.pool.queued_jobs()] == [("a", "b")]


async def test_the_same_job_id_is_queued_once(runtime):
    await jobs.enqueue("apikey.touch", "a", "b", job_id="once")
    await jobs.enqueue("apikey.touch", "a", "b", job_id="once")

    assert len(await runtime.pool.queued_jobs()) == 1


async def test_a_job_without_a_queue_is_refused_loudly(runtime):
    jobs.use_sender(None)
    try:
        with pytest.raises(RuntimeError, match="before the job queue was started"):
            await jobs.enqueue("apikey.touch", "a", "b")
    finally:
        from remit.workers import queue

        jobs.use_sender(queue.sender(runtime.pool))
