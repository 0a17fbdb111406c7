"""The daily invoicing cycle on arq: the cron entry only plans; each contract's invoice is
issued by its own job, safe to run twice."""

from datetime import date, datetime, time
from uuid import UUID

from remit.billing import clock, cycle
from remit.workers.retries import retry_later


async def plan_cycle(ctx: dict, today: str | None = None) -> int:
    day = date.fromisoformat(today) if today else clock.today()
    return (await cycle.plan(day)).total


async def issue_invoice(ctx: dict, contract_id: str, period_start: str, today: str) -> str:
    try:
        result = await cycle.issue(
            UUID(contract_id), date.fromisoformat(period_start), date.fromisoformat(today)
        )
    except cycle.IssueFailed as failure:
        # On the day's run for the tenant to see, with the error id; tried again later.
        raise retry_later(ctx) from failure
    return result.outcome


def missed_today(cycle_time: str, now: datetime) -> bool:
    hours, minutes = map(int, cycle_time.split(":"))
    return now.time() >= time(hours, minutes)


async def catch_up(ctx: dict, cycle_time: str) -> None:
    """A worker that starts after today's cycle time plans today's cycle; the job id is the
    day's, so many workers starting at once plan it once, and planning twice is harmless."""
    now = clock.now()
    if missed_today(cycle_time, now):
        today = now.date().isoformat()
        pool = ctx["redis"]
        await pool.enqueue_job(
            cycle.PLAN_JOB, today, _job_id=f"{pool.default_queue_name}:cycle:{today}"
        )


def _queue_marker(pool) -> str:
    return f"{pool.default_queue_name}:known"


async def mark_queue(ctx: dict) -> None:
    """Set at start-up: a queue that loses this key lost everything else it held."""
    await ctx["redis"].set(_queue_marker(ctx["redis"]), "1")


async def catch_up_after_queue_loss(ctx: dict, cycle_time: str) -> bool:
    """Each minute: when Redis lost its data (restarted without persistence, or flushed),
    every job it held is gone, and the job outbox holds only what was never sent. The day's
    cycle is then planned again, as at start-up: issue jobs for the contracts still due,
    deliveries for the invoices not sent. One worker of many does it (SET NX)."""
    if not await ctx["redis"].set(_queue_marker(ctx["redis"]), "1", nx=True):
        return False
    await catch_up(ctx, cycle_time)
    return True
