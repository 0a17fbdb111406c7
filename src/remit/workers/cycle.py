"""The daily invoicing cycle on arq: the cron entry only plans; each contract's invoice is
issued by its own job, safe to run twice."""

from datetime import date, datetime, time
from uuid import UUID

from remit.billing import clock, cycle, issuing
from remit.models.contracts import Contract
from remit.workers.retries import retry_later


async def plan_cycle(ctx: dict, today: str | None = None) -> int:
    day = date.fromisoformat(today) if today else clock.today()
    return (await cycle.plan(day)).total


async def issue_invoice(ctx: dict, contract_id: str, period_start: str, today: str) -> str:
    contract_uuid, day = UUID(contract_id), date.fromisoformat(today)
    try:
        result = await issuing.issue(contract_uuid, date.fromisoformat(period_start), day)
    except Exception as error:
        # Recorded on the day's run for the tenant to see, then tried again later.
        await cycle.record_failure(contract_uuid, day, f"{type(error).__name__}: {error}")
        raise retry_later(ctx) from error
    tenant_id = await Contract.filter(id=contract_uuid).first().values_list("tenant_id", flat=True)
    if tenant_id:
        await cycle.clear_failure(contract_uuid, tenant_id, day)
        await cycle.finish_run(tenant_id, day)
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
