"""The monthly processing fee on arq: the cron bills last month; each fee is collected by
its own job, retried on failure within the week."""

from datetime import date
from uuid import UUID

from remit.billing import clock, fees
from remit.billing.mail import MailUnavailable
from remit.plugins.api import ProviderUnavailable
from remit.workers.retries import retry_later


async def bill_last_month(ctx: dict) -> int:
    return (await fees.bill(fees.last_month(clock.today()))).created


async def collect_fee(ctx: dict, fee_id: str, attempt: int) -> str:
    try:
        return await fees.collect(UUID(fee_id), attempt)
    except (ProviderUnavailable, MailUnavailable) as error:
        raise retry_later(ctx) from error


async def fee_failure_notice(
    ctx: dict, fee_id: str, attempt: int, reason: str, retry_on: str | None = None
) -> None:
    try:
        await fees.failure_notice(
            UUID(fee_id), attempt, reason, date.fromisoformat(retry_on) if retry_on else None
        )
    except MailUnavailable as error:
        raise retry_later(ctx) from error
