import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from remit.billing import jobs
from remit.models.jobs import OutboxJob
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


# The job outbox: "enqueued because committed".


def failing_sender(error: BaseException):
    async def send(job: jobs.Job) -> None:
        raise error

    return send


@pytest.fixture
def queue_down(runtime):
    """Jobs cannot reach the queue until the test calls the returned function."""
    from remit.workers import queue

    def restore() -> None:
        jobs.use_sender(queue.sender(runtime.pool))

    jobs.use_sender(failing_sender(RedisConnectionError("Connection refused")))
    yield restore
    restore()


async def outbox() -> list[tuple[str, str, list]]:
    rows = await OutboxJob.all().order_by("name", "job_id")
    return [(row.name, row.job_id, row.args) for row in rows]


async def test_a_sent_job_leaves_nothing_in_the_outbox(runtime):
    async with jobs.atomic():
        await jobs.enqueue("apikey.touch", "a", "b", job_id="job-1")

    assert len(await runtime.pool.queued_jobs()) == 1
    assert await outbox() == []


async def test_a_rolled_back_transaction_writes_no_job(runtime, queue_down):
    with pytest.raises(RuntimeError, match="boom"):
        async with jobs.atomic():
            await jobs.enqueue("apikey.touch", "a", "b", job_id="job-1")
            raise RuntimeError("boom")

    assert await outbox() == []


async def test_a_job_the_queue_refused_after_the_commit_is_relayed(runtime, queue_down):
    async with jobs.atomic():
        await Tenant.create(name="Initech")
        await jobs.enqueue("apikey.touch", "a", "b", job_id="job-1")
        await jobs.enqueue("apikey.touch", "c", "d")  # no id: the outbox gives it one

    assert await Tenant.all().count() == 1  # the work committed; the caller was not failed
    [(_, given_id, _)] = [row for row in await outbox() if row[2] == ["c", "d"]]
    assert given_id.startswith("job:")
    assert sorted(await outbox()) == [
        ("apikey.touch", "job-1", ["a", "b"]),
        ("apikey.touch", given_id, ["c", "d"]),
    ]
    queue_down()
    assert await jobs.relay() == 0  # too recent: its own process may still be sending it

    assert await jobs.relay(older_than=timedelta(0)) == 2

    queued = sorted((job.job_id, job.args) for job in await runtime.pool.queued_jobs())
    assert queued == [("job-1", ("a", "b")), (given_id, ("c", "d"))]
    assert await outbox() == []
    assert await jobs.relay(older_than=timedelta(0)) == 0


async def test_a_relayed_job_sent_again_is_queued_once(runtime, queue_down):
    async with jobs.atomic():
        await jobs.enqueue("apikey.touch", "a", "b", job_id="job-1")
    [row] = await OutboxJob.all()
    queue_down()
    await jobs.enqueue("apikey.touch", "a", "b", job_id="job-1")  # its process sent it after all

    assert await jobs.relay(older_than=timedelta(0)) == 1

    assert [job.job_id for job in await runtime.pool.queued_jobs()] == ["job-1"]
    assert not await OutboxJob.exists(id=row.id)


async def test_a_deferred_job_keeps_its_time_through_the_outbox(runtime, queue_down):
    async with jobs.atomic():
        await jobs.enqueue("apikey.touch", "a", "b", job_id="later", _defer_by=timedelta(days=2))
    queue_down()

    await jobs.relay(older_than=timedelta(0))

    [(_, score)] = await runtime.pool.zrange(runtime.pool.default_queue_name, 0, 0, withscores=True)
    in_two_days = (datetime.now(UTC) + timedelta(days=2)).timestamp() * 1000
    assert in_two_days - 60_000 < score <= in_two_days


async def test_relays_on_many_workers_at_once_send_each_job_once(runtime, queue_down):
    async with jobs.atomic():
        for n in range(2 * jobs.RELAY_BATCH + 10):
            await jobs.enqueue("apikey.touch", str(n), "x", job_id=f"job-{n}")
    sent: list[str] = []

    async def slow_sender(job: jobs.Job) -> None:
        sent.append(job.job_id)
        await asyncio.sleep(0.001)  # the other relays run meanwhile

    jobs.use_sender(slow_sender)

    counts = await asyncio.gather(*(jobs.relay(older_than=timedelta(0)) for _ in range(3)))

    assert sum(counts) == 2 * jobs.RELAY_BATCH + 10
    assert sorted(sent) == sorted(f"job-{n}" for n in range(2 * jobs.RELAY_BATCH + 10))
    assert await outbox() == []
