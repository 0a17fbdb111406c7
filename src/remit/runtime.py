"""What a running Remit process holds: the domain's configuration, the database, the job
queue and, in the embedded mode, an in-process arq worker. `serve`, `worker` and the CLI's
one-shot commands all start through here."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from arq.utils import timestamp_ms
from arq.worker import Worker

from remit import db
from remit.billing import config, jobs, live, rendering
from remit.billing.mail import Transport
from remit.billing.money import Money
from remit.brokers import DatabaseWatch, RedisBroker
from remit.plugins import manager as plugins
from remit.plugins.stripe_platform import StripePlatformAccount
from remit.settings import Settings
from remit.workers import queue
from remit.workers.settings import build_worker

logger = logging.getLogger("remit")

# New objects the collector lets through before it looks for cycles among the young ones
# (Python's default is 700). A page of 100 invoices makes several hundred thousand objects:
# at 700, a third of its time went on collections that found next to nothing. At 50,000 a
# worker held about 20 MB more (cycles waiting for their collection); at 10,000, a few.
YOUNG_OBJECTS_PER_COLLECTION = 10_000


@dataclass
class Runtime:
    settings: Settings
    pool: ArqRedis
    worker: Worker | None = None


def billing_config(settings: Settings, broker: live.Broker | None = None) -> config.Config:
    """The domain's configuration from the process settings, with the running process's
    broker for live updates. Raises Invalid when the fee is not an amount of its currency."""
    secret_key = settings.platform_stripe_secret_key
    return config.Config(
        public_url=settings.public_url,
        fee_per_invoice=Money.parse(
            settings.platform_fee_per_invoice, settings.platform_fee_currency
        ),
        platform_name=settings.platform_name,
        platform_email=settings.platform_email,
        platform_bank_details=settings.platform_bank_details,
        mail=Transport(smtp_url=settings.smtp_url, outbox_dir=settings.outbox_dir),
        platform_account=(
            StripePlatformAccount(secret_key, settings.platform_stripe_webhook_secret)
            if secret_key
            else None
        ),
        secret_keys=settings.secret_keys(),
        max_catch_up_periods=settings.max_catch_up_periods,
        vies_url=settings.vies_url,
        signup_open=settings.signup == "open",
        session_lifetime=timedelta(days=settings.session_days),
        live=broker,
        webhooks_allow_private=settings.webhooks_allow_private,
        webhook_log_days=settings.webhook_log_days,
    )


@contextlib.asynccontextmanager
async def running(settings: Settings, *, run_jobs: bool | None = None) -> AsyncIterator[Runtime]:
    """Connect to the database (refusing an unmigrated one) and the queue. `run_jobs`
    defaults to the embedded mode: without Redis, this process also works the queue."""
    if run_jobs is None:
        run_jobs = settings.embedded
    plugins.installed()  # load now, so a broken plugin is reported at start, not mid-request
    await db.init(settings.database_url)
    pool = None
    broker = None
    try:
        config.use(billing_config(settings))
        rendering.start(settings.pdf_workers)
        await db.ensure_migrated()
        pool = await queue.connect(settings.redis_url, settings.queue_name)
        await pool.ping()
        jobs.use_sender(queue.sender(pool))
        broker = DatabaseWatch() if settings.embedded else RedisBroker(pool)
        config.use(billing_config(settings, broker))
        runtime = Runtime(settings, pool)
        _keep_for_life()
        if run_jobs:
            runtime.worker = build_worker(
                pool,
                in_process=True,
                cycle_time=settings.cycle_time,
                job_timeout=settings.job_timeout,
            )
            task = asyncio.create_task(runtime.worker.async_run())
        try:
            yield runtime
        finally:
            jobs.use_sender(None)
            if runtime.worker is not None:
                await _stop(runtime.worker, task)
                pool = None  # the worker closed it
    finally:
        config.use(None)
        rendering.stop()
        if broker is not None:
            await broker.close()
        if pool is not None:
            await pool.aclose()
        await db.close()


def _keep_for_life() -> None:
    """What a started process holds (modules, the API's schema, plugins, templates,
    connections) lives as long as it does: it is moved out of the collector's sight
    (`gc.freeze`), so the collections that requests and jobs cause stop walking all of it
    each time, and the young generation is collected less often. Reference counting still
    frees everything as before; only cycles wait a little longer."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *gc.get_threshold()[1:])


async def _stop(worker: Worker, task: asyncio.Task) -> None:
    # arq's close() cancels the running jobs and waits for them; a cancelled job's
    # CancelledError is the expected outcome here, not a failure.
    with contextlib.suppress(asyncio.CancelledError):
        await worker.close()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@dataclass(frozen=True)
class Waiting:
    """The jobs left in the queue for later (retries deferred by minutes or days)."""

    count: int
    first_at: datetime | None = None

    def __str__(self) -> str:
        return (
            f"{self.count} job(s) waiting for a retry, the first at "
            f"{self.first_at:%Y-%m-%d %H:%M} UTC."
        )


async def work_ready_jobs(pool: ArqRedis, *, poll_delay: float = 0.05) -> Waiting:
    """Work, in this process and alongside any running workers, every job that is ready now
    and those they ask for, until none is ready or running; then say what waits for later. A
    retry deferred by minutes or days is not waited for (arq's burst mode would)."""
    worker = build_worker(
        pool, in_process=True, poll_delay=poll_delay, on_startup=None, cron_jobs=[]
    )
    worker.ctx["redis"] = pool
    queue_name = pool.default_queue_name
    # A job stays in the queue, at its start time, until it is done or deferred again. arq
    # has no public "one round": its burst mode stops only once the queue is empty.
    while await pool.zcount(queue_name, "-inf", timestamp_ms()):
        await worker._poll_iteration()
        await asyncio.sleep(poll_delay)
    await asyncio.gather(*worker.tasks.values())
    return await waiting(pool)


async def waiting(pool: ArqRedis) -> Waiting:
    queue_name = pool.default_queue_name
    first = await pool.zrange(queue_name, 0, 0, withscores=True)
    if not first:
        return Waiting(0)
    [(_, score)] = first
    return Waiting(await pool.zcard(queue_name), datetime.fromtimestamp(score / 1000, UTC))
