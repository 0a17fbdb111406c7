"""The daily invoicing cycle on `remit worker` processes, one of them SIGKILLed: during
delivery, or right after an issue job committed (see that test).

During delivery: three workers start after today's cycle time, so each one's start-up
catch-up plans today's cycle (the cron fired three times for one day), and the cron's plan
job is asked for twice more. While invoices are being issued and emailed, one worker is
SIGKILLed and a replacement started. The audit holds; the only duplicate allowed is a
delivery that was cut off by the kill after the server took the message.
"""

import time
from datetime import UTC, datetime
from pathlib import Path

from arq.constants import job_key_prefix

from remit.billing import clock, issuing
from remit.models.invoices import Invoice
from remit.models.jobs import OutboxJob
from remit.models.runs import InvoicingRun
from tests.faults import processes
from tests.faults.audit import audit, due_today, everything_sent, wait_until_everything_sent
from tests.servers import Collector, start

pytestmark = processes.ON_WORKERS

TENANTS = {"Acme Corp": 16, "Initech": 14, "Umbrella": 10}  # 40 contracts in all
DEADLINE = 75  # seconds for the whole cycle, the kill included


async def test_a_worker_killed_during_delivery_leaves_each_invoice_issued_and_sent_once(
    settings, runtime, tmp_path
):
    processes.skip_near_midnight()
    today = clock.today()
    cycle = await due_today(TENANTS)

    # conftest claims a Redis database per test process; should anything else on the machine
    # FLUSHDB it under this test's feet, that is detected, not guessed.
    sentinel = f"{settings.queue_name}:sentinel"
    await runtime.pool.set(sentinel, "1")

    async def flushed() -> str:
        if await runtime.pool.exists(sentinel):
            return ""
        return (
            f"another process flushed Redis database {settings.redis_url} during this test "
            "(it is claimed by this test process only): the queue was lost. "
        )

    mail = Collector()
    smtp = start(mail)
    environment = processes.worker_environment(settings, smtp.port)
    workers = [processes.start_worker(f"worker-{n}", environment, tmp_path) for n in (1, 2, 3)]
    started_at = time.monotonic()
    try:
        # The cron firing twice for the same tick (one job id), and once more as another tick.
        day = today.isoformat()
        # (arq names a unique cron's job "<name>:<tick in ms>"; the queue name keeps these
        # ids apart from another test process's on the same Redis database.)
        midnight = datetime.combine(today, datetime.min.time(), UTC)
        tick = f"{settings.queue_name}:cycle.plan:{int(midnight.timestamp() * 1000)}"
        assert await runtime.pool.enqueue_job("cycle.plan", day, _job_id=tick) is not None
        assert await runtime.pool.enqueue_job("cycle.plan", day, _job_id=tick) is None
        assert await runtime.pool.enqueue_job("cycle.plan", day, _job_id=f"{tick}:again")

        # Mid-cycle: some invoices out, not all, and the victim busy delivering one.
        victim = workers[0]

        async def mid_cycle() -> bool:
            sent = await Invoice.filter(sent_at__not_isnull=True).count()
            delivering = any(j.startswith("deliver:") for j in victim.in_flight())
            return 3 <= sent < len(cycle.contracts) - 5 and delivering

        def too_late() -> str:
            return f"no moment with the victim delivering mid-cycle within 45 s\n{processes.logs(workers)}"

        await processes.wait_until(mid_cycle, 45, too_late)
        renderers = victim.children()
        victim.kill()
        killed_at = time.monotonic()
        workers.append(processes.start_worker("worker-4", environment, tmp_path))
        survivors = [w for w in workers if not w.killed]

        # The dead worker's jobs: those its log shows started and never finished, and any
        # other key set before the kill (a job picked up a moment before its "→" line) that
        # stays unclaimed by every survivor's log (a survivor logs the jobs it picks up at once).
        orphaned = await processes.orphaned_jobs(
            runtime.pool, settings.queue_name, victim, survivors, killed_at
        )
        assert victim.in_flight() <= orphaned, (
            await flushed(),
            victim.in_flight(),
            orphaned,
            await processes.in_progress(runtime.pool),
            {w.name: w.in_flight() for w in survivors},
            (time.monotonic() - killed_at),
            victim.output()[-5000:],
        )
        assert orphaned, f"the victim was working on nothing at the kill: {victim.output()}"
        await processes.release(runtime.pool, orphaned)

        async def context() -> str:
            return (
                f"{await flushed()}in-progress keys (ms left) {await processes.in_progress(runtime.pool)}; "
                f"orphaned at the kill {orphaned}\n{processes.logs(workers)}"
            )

        await wait_until_everything_sent(cycle, DEADLINE - (time.monotonic() - started_at), context)

        # Its render processes end with it rather than wait for work forever.
        async def renderers_ended() -> bool:
            return not any(Path(f"/proc/{pid}").exists() for pid in renderers)

        assert renderers, "the victim delivered without render processes"
        await processes.wait_until(renderers_ended, 10, lambda: f"still running: {renderers}")
    finally:
        await processes.stop(workers)
        smtp.stop()

    assert not await flushed(), await flushed()
    processes.assert_stopped_cleanly(workers)
    # A delivery job of the killed worker may have handed its message to the server and died
    # before recording sent_at: a worker runs up to 10 jobs at a time (arq's max_jobs), so
    # there may be as many such repeats as the killed worker had deliveries running.
    outcome = await audit(cycle, mail, may_repeat=orphaned)
    runs = await InvoicingRun.filter(run_date=today)
    assert all(run.finished_at is not None and run.failures == [] for run in runs)
    print(
        f"\nkilled during delivery: {outcome}; {len(workers)} workers in "
        f"{time.monotonic() - started_at:.1f} s; orphaned by the kill: {sorted(orphaned)}"
    )


KILLS = 5  # at most: a kill that lands after the worker sent its jobs is tried again


async def test_a_worker_killed_right_after_an_issue_commits_loses_no_follow_up_work(
    settings, runtime, tmp_path
):
    """An issue job commits its invoice with its delivery job in the job outbox; the worker
    is SIGKILLed the moment the database shows that row, before it sends the job to the queue
    and deletes the row. The replacement's start-up relay sends it: every invoice issued and
    emailed without waiting for the next cycle (or for the relay's cron, each minute)."""
    processes.skip_near_midnight()
    cycle = await due_today({"Acme Corp": 18, "Initech": 12})
    mail = Collector()
    smtp = start(mail)
    environment = processes.worker_environment(settings, smtp.port)
    workers = [processes.start_worker("worker-1", environment, tmp_path)]
    started_at = time.monotonic()
    orphaned: set[str] = set()
    seen = set()  # the outbox rows at each kill
    unsent_at_kill: list[str] = []  # committed jobs a kill left unsent: the outbox's work
    try:
        for attempt in range(1, KILLS + 1):
            victim = workers[-1]

            async def committed() -> bool:  # a row no earlier kill saw
                return await (
                    OutboxJob.filter(name=issuing.DELIVER_JOB).exclude(id__in=seen).exists()
                )

            await processes.wait_until(
                committed,
                30,
                lambda: f"no delivery job in the outbox within 30 s\n{processes.logs(workers)}",
                every=0,
            )
            victim.kill()
            killed_at = time.monotonic()
            for row in await OutboxJob.all():
                seen.add(row.id)
                queued = await runtime.pool.exists(f"{job_key_prefix}{row.job_id}")
                if not queued:
                    unsent_at_kill.append(f"{row.name}:{row.job_id}")
            orphaned |= await processes.orphaned_jobs(
                runtime.pool, settings.queue_name, victim, [], killed_at
            )
            await processes.release(runtime.pool, orphaned)
            workers.append(processes.start_worker(f"worker-{attempt + 1}", environment, tmp_path))
            if unsent_at_kill or await everything_sent(cycle):
                break
        assert unsent_at_kill, f"{KILLS} kills, each after the worker had sent its jobs"
        workers.append(processes.start_worker("worker-extra", environment, tmp_path))

        async def context() -> str:
            return f"unsent at the kill {unsent_at_kill}\n{processes.logs(workers)}"

        await wait_until_everything_sent(cycle, 45, context)
    finally:
        await processes.stop(workers)
        smtp.stop()

    processes.assert_stopped_cleanly(workers)
    outcome = await audit(cycle, mail, may_repeat=orphaned)
    assert await OutboxJob.all().count() == 0
    print(
        f"\nkilled after an issue committed: {outcome}; {attempt} kill(s); committed jobs the "
        f"kill left unsent (relayed): {unsent_at_kill}; "
        f"{time.monotonic() - started_at:.1f} s in all"
    )
