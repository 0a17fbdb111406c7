"""Jobs on one issued invoice: charging it automatically, and (below) delivering it."""

from uuid import UUID

from billing import charging


async def charge_invoice(ctx: dict, invoice_id: str, provider: str) -> str:
    return await charging.charge(UUID(invoice_id), provider)
