"""Ending contracts whose end date has passed: a daily cron that only finds them, and one
job per contract."""

from datetime import date
from uuid import UUID

from remit.billing import clock, contracts, jobs

END_JOB = "contract.end_if_due"


async def plan_contract_endings(ctx: dict, today: str | None = None) -> int:
    day = date.fromisoformat(today) if today else clock.today()
    planned = 0
    for contract_id in await contracts.ending_due(day).values_list("id", flat=True):
        await jobs.enqueue(
            END_JOB, str(contract_id), day.isoformat(), job_id=f"end:{contract_id}:{day}"
        )
        planned += 1
    return planned


async def end_contract_if_due(ctx: dict, contract_id: str, today: str) -> bool:
    return await contracts.end_if_due(UUID(contract_id), date.fromisoformat(today))
