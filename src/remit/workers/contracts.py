"""Ending contracts whose end date has passed: a daily cron that only finds them, and one
job per contract."""

from datetime import date
from uuid import UUID

from remit.billing import clock, contracts


async def plan_contract_endings(ctx: dict, today: str | None = None) -> int:
    return await contracts.plan_endings(date.fromisoformat(today) if today else clock.today())


async def end_contract_if_due(ctx: dict, contract_id: str, today: str) -> bool:
    return await contracts.end_if_due(UUID(contract_id), date.fromisoformat(today))
