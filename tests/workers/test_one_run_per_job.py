"""A job asked for again while it runs (Redis lost its in-progress mark, and the queue check
queued it anew) is not started a second time beside the run under way."""

import asyncio

from arq.constants import in_progress_key_prefix
from arq.utils import timestamp_ms

from remit.workers.settings import build_worker


async def test_a_job_queued_again_while_it_runs_runs_once(runtime):
    started: list[str] = []
    release = asyncio.Event()

    async def slow_job(ctx: dict) -> str:
        started.append(ctx["job_id"])
        await release.wait()
        return "done"

    slow_job.__qualname__ = "slow_job"
    worker = build_worker(
        runtime.pool,
        in_process=True,
        poll_delay=0,
        on_startup=None,
        cron_jobs=[],
        functions=[slow_job],
    )
    worker.ctx["redis"] = runtime.pool
    pool, queue = runtime.pool, runtime.pool.default_queue_name
    await pool.enqueue_job("slow_job", _job_id="slow:1")
    await worker._poll_iteration()
    await asyncio.sleep(0.05)
    assert started == ["slow:1"]

    # Redis lost the in-progress mark and the queue check asked for the job again.
    await pool.delete(in_progress_key_prefix + "slow:1")
    await pool.zadd(queue, {"slow:1": timestamp_ms()})
    await worker._poll_iteration()
    await asyncio.sleep(0.05)
    assert started == ["slow:1"]

    release.set()
    await asyncio.gather(*worker.tasks.values())
    await worker._poll_iteration()
    assert started == ["slow:1"]
    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    assert await pool.zcard(queue) == 0
