"""What a running Remit process holds: the domain's configuration, the database, the job
queue and, in the embedded mode, an in-process arq worker. `serve`, `worker` and the CLI's
one-shot commands all start through here."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from arq.connections import ArqRedis
from arq.worker import Worker

from remit import db
from remit.billing import config, jobs
from remit.billing.mail import Transport
from remit.billing.money import Money
from remit.plugins import manager as plugins
from remit.plugins.stripe_platform import StripePlatformAccount
from remit.settings import Settings
from remit.workers import queue
from remit.workers.settings import build_worker

logger = logging.getLogger("remit")


@dataclass
class Runtime:
    settings: Settings
    pool: ArqRedis
    worker: Worker | None = None


def billing_config(settings: Settings) -> config.Config:
    """The domain's configuration from the process settings. Raises Invalid when the fee is
    not an amount of its currency."""
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
        max_catch_up_periods=settings.max_catch_up_periods,
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
    try:
        config.use(billing_config(settings))
        await db.ensure_migrated()
        pool = await queue.connect(settings.redis_url, settings.queue_name)
        await pool.ping()
        jobs.use_sender(queue.sender(pool))
        runtime = Runtime(settings, pool)
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
        if pool is not None:
            await pool.aclose()
        await db.close()


async def _stop(worker: Worker, task: asyncio.Task) -> None:
    # arq's close() cancels the running jobs and waits for them; a cancelled job's
    # CancelledError is the expected outcome here, not a failure.
    with contextlib.suppress(asyncio.CancelledError):
        await worker.close()
    with contextlib.suppress(asyncio.CancelledError):
        await task
