"""How a worker is built: the same functions and cron entries for `remit worker` and for
the worker that `remit serve` runs in-process in the embedded mode."""

from datetime import timedelta

import arq.worker
from arq import cron
from arq.connections import ArqRedis

from remit.billing import jobs
from remit.workers.contracts import plan_contract_endings
from remit.workers.cycle import catch_up, catch_up_after_queue_loss, mark_queue, plan_cycle
from remit.workers.fees import bill_last_month
from remit.workers.functions import FUNCTIONS
from remit.workers.invoices import plan_charge_retries, plan_reminders
from remit.workers.outbox import relay_jobs
from remit.workers.users import forget_expired
from remit.workers.webhooks import forget_old_events, plan_late_deliveries


def cron_jobs(cycle_time: str) -> list:
    hours, minutes = map(int, cycle_time.split(":"))

    async def check_queue(ctx: dict) -> bool:
        return await catch_up_after_queue_loss(ctx, cycle_time)

    return [
        # Just after midnight UTC, so a contract that ended yesterday is ENDED before the cycle.
        cron(
            plan_contract_endings,
            name="contracts.plan_endings.cron",
            hour={0},
            minute={5},
            unique=True,
        ),
        cron(plan_cycle, name="cycle.plan.cron", hour={hours}, minute={minutes}, unique=True),
        # Before business hours in Europe: overdue marks and reminders for the day.
        cron(plan_reminders, name="reminders.plan.cron", hour={6}, minute={0}, unique=True),
        # Declined automatic charges whose retry day has come, and cards about to expire.
        cron(plan_charge_retries, name="charges.plan.cron", hour={6}, minute={30}, unique=True),
        # On the 1st, after the day's cycle, so last month's count is complete.
        cron(
            bill_last_month,
            name="fees.bill.cron",
            day={1},
            hour={hours + 2 if hours < 22 else 23},
            minute={0},
            unique=True,
        ),
        # Every minute: jobs committed but never sent by the process that committed them.
        cron(relay_jobs, name="jobs.relay.cron", unique=True),
        # Every minute: jobs lost with Redis's data are asked for again.
        cron(check_queue, name="queue.check.cron", unique=True),
        # Every minute: webhook deliveries whose job was lost with Redis's data.
        cron(plan_late_deliveries, name="webhooks.plan_late.cron", unique=True),
        # Daily, at a quiet hour: webhook events over for longer than REMIT_WEBHOOK_LOG_DAYS.
        cron(
            forget_old_events,
            name="webhooks.forget_old.cron",
            hour={3},
            minute={15},
            unique=True,
        ),
        # Hourly: sessions, links and failed sign-ins that can no longer be used.
        cron(forget_expired, name="users.forget_expired.cron", minute={30}, unique=True),
    ]


class Worker(arq.worker.Worker):
    """arq's worker, running a job at most once at a time. A job asked for again while it runs
    here (the queue check asks again for the jobs Redis lost, their in-progress marks among
    them) waits for that run, which then takes it off the queue: arq keys its running tasks by
    job id, and a second run of one id broke its bookkeeping (a KeyError as the run ended)."""

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        running = {job_id for job_id, task in self.tasks.items() if not task.done()}
        await super().start_jobs([job_id for job_id in job_ids if job_id.decode() not in running])


# How often an idle worker asks the queue for work (arq's default is every 0.5 s): a webhook
# or an invoice's email waits for the next poll after its commit. Ten polls a second cost
# Redis nothing noticeable.
POLL_DELAY_SECONDS = 0.1


def build_worker(
    pool: ArqRedis,
    *,
    in_process: bool,
    cycle_time: str = "08:15",
    job_timeout: int = 300,
    **overrides,
) -> Worker:
    """A worker on `pool`. In-process, the host (uvicorn) owns the signals."""

    async def on_startup(ctx: dict) -> None:
        # Whatever a process that died left unsent, however recent: sent twice, a job
        # with the same id is dropped by the queue.
        await jobs.relay(older_than=timedelta(0))
        await mark_queue(ctx)
        await catch_up(ctx, cycle_time)

    options = {
        "functions": FUNCTIONS,
        "cron_jobs": cron_jobs(cycle_time),
        "on_startup": on_startup,
        "redis_pool": pool,
        "queue_name": pool.default_queue_name,
        "handle_signals": not in_process,
        "max_tries": 5,
        "keep_result": 3600,
        "job_timeout": job_timeout,
        "poll_delay": POLL_DELAY_SECONDS,
    }
    options.update(overrides)
    return Worker(**options)
